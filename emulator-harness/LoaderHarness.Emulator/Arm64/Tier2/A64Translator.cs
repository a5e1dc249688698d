using System.Diagnostics.CodeAnalysis;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// Translates hot A64 code into IL compiled by the .NET JIT, with the structure of the x86 translator
/// (<c>X86.Tier2.X86Translator</c>): a block starts at one entry and takes in every covered instruction of the
/// same code page reachable from it by fall-through and direct branches that has run before, so loops become IL loops; BR, BLR,
/// RET, branches leaving the page and uncovered instructions (system registers other than DAIF, exception
/// generation, anything the classifier leaves out) are exits back to the run loop, which interprets them.
/// <list type="bullet">
/// <item>X0–X30 and SP live in IL locals inside the block, written back at exits and before slow paths.</item>
/// <item>NZCV lives in a local; a flag write overwritten before any read, exit or possible fault is not emitted.</item>
/// <item>Loads and stores go through the shared TLB fast path (<see cref="SoftMmu.TryLoad"/>) inlined; a miss
/// spills the exact state of the current instruction (PC, registers, NZCV, instruction count) and calls the
/// interpreter's own access path, so an abort is taken with the interpreter's ELR, FAR and ESR.</item>
/// <item>Every basic block first checks the run's limit; a slow path that stopped or broke the run (a device
/// stop, an interrupt line, code invalidation) ends the block after the instruction, as the interpreter does.</item>
/// </list>
/// It needs a JIT: a NativeAOT process interprets, see <see cref="GuestCpuCore.Engine"/>.
/// </summary>
[RequiresDynamicCode("tier 2 emits IL for the JIT; callers check RuntimeFeature.IsDynamicCodeSupported")]
internal sealed partial class A64Translator : BlockFrame
{
    /// <summary>
    /// Most guest instructions per block, bounding translation and JIT time: booting Debian's 6.1 arm64 Image to
    /// /init (blocks of instructions that have run), caps of 32 and 48 took 10–15 % less process CPU time than 128.
    /// </summary>
    public const int MaxInstructions = 48;

    private readonly Arm64Cpu _cpu;
    private readonly CodePage<A64Instruction> _page;
    private readonly ulong _headPc;
    private readonly bool _headBreakpoint;
    private readonly List<A64Node> _nodes = [];
    private readonly Dictionary<ulong, int> _index = [];
    private readonly List<ulong> _returnSites = [];

    private A64Translator(Arm64Cpu cpu, CodePage<A64Instruction> page, ulong headPc, bool headBreakpoint)
        : base(ExecutedSetter, PcSetter, LimitGetter)
    {
        _cpu = cpu;
        _page = page;
        _headPc = headPc;
        _headBreakpoint = headBreakpoint;
    }

    /// <summary>Compiles the code at <paramref name="pc"/> (in <paramref name="page"/>, the CPU's fetch page); null when its first instruction is not covered.</summary>
    public static A64CompiledBlock? Compile(Arm64Cpu cpu, CodePage<A64Instruction> page, ulong pc)
        => Prepare(cpu, page, pc)?.Build();

    /// <summary>
    /// The first half of <see cref="Compile"/>, on the CPU's thread: finds the block's instructions in the fetch page and
    /// copies them; null when the first instruction is not covered. <see cref="Build"/> then reads only the copies, so it
    /// may run on another thread while the CPU runs on.
    /// </summary>
    public static A64Translator? Prepare(Arm64Cpu cpu, CodePage<A64Instruction> page, ulong pc)
    {
        var slot = cpu.CompiledSlotAt(page, pc);
        if (slot == 0)
            return null;
        var t = new A64Translator(cpu, page, pc, page.Entries[slot].Breakpoint);
        return t.Discover() ? t : null;
    }

    /// <summary>On the CPU's thread, before <see cref="Build"/> is handed to another (which then changes them): the instructions found, sorted by address.</summary>
    public IReadOnlyList<A64Node> Found => _nodes;

    /// <summary>The second half of <see cref="Compile"/>, on any thread: emits the block's IL from what <see cref="Prepare"/> found and makes its delegate.</summary>
    public A64CompiledBlock Build()
    {
        BasicBlocks.FindLeaders(_nodes, _index, _headPc, _headBreakpoint);
        BasicBlocks.FindFlagLiveness(_nodes);
        var body = Emit();
        return new A64CompiledBlock(body, _headPc, _nodes.Count, _nodes[_index[_headPc]].BlockLength, _helpers);
    }

    /// <summary>Collects the covered instructions reachable from the head inside the page; false when the head is not covered.</summary>
    private bool Discover()
    {
        var work = new Stack<ulong>();
        work.Push(_headPc);
        while (work.Count != 0 && _nodes.Count < MaxInstructions)
        {
            var pc = work.Pop();
            if (_index.ContainsKey(pc))
                continue;
            var slot = _cpu.DecodedSlotAt(_page, pc);
            if (slot == 0)
                continue;
            var d = _page.Entries[slot];
            // Another block's head is left to that block (chaining enters it), unless that block is small (TierPolicy.InlinedBlockLimit).
            if (pc != _headPc && (d.Breakpoint || d.Compiled > 0 && _cpu.CompiledInstructionCount(d.Compiled) > TierPolicy.InlinedBlockLimit))
                continue;
            var op = A64OpClassifier.Classify(in d);
            if (op == A64Op.None)
                continue;
            _index[pc] = -1;
            _nodes.Add(new A64Node { Pc = pc, D = d, Op = op });
            if (A64OpClassifier.HasTarget(op))
                work.Push(pc + d.Imm);
            if (op is not (A64Op.B or A64Op.Br or A64Op.Ret))
                work.Push(pc + 4); // for BL and BLR, the return site: a RET in the block that returns there stays in it
            if (op is A64Op.Bl or A64Op.Blr)
                _returnSites.Add(pc + 4);
        }
        if (_nodes.Count == 0 || _nodes[0].Pc != _headPc)
            return false;
        _nodes.Sort((a, b) => a.Pc.CompareTo(b.Pc));
        _index.Clear();
        for (var i = 0; i < _nodes.Count; i++)
            _index[_nodes[i].Pc] = i;
        return true;
    }

    /// <inheritdoc/>
    protected override bool InBlock(ulong pc, out int node)
        => BasicBlocks.InBlock(_index, pc, _headPc, _headBreakpoint, out node);
}
