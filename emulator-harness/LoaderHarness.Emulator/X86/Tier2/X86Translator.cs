using System.Diagnostics.CodeAnalysis;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// Translates hot x86 code into IL compiled by the .NET JIT (the tier-2 of QEMU TCG or ARMeilleure). A block
/// starts at one entry and takes in every covered instruction of the same code page reachable from it by
/// fall-through and direct branches, so loops become IL loops; calls, returns, branches leaving the block
/// and uncovered instructions are exits back to the run loop.
/// <list type="bullet">
/// <item>General registers live in IL locals inside the block, written back at exits and before slow paths.</item>
/// <item>Flags are lazy as in the interpreter (operation, operands, result), kept in locals, materialised only
/// where they are read; a flag write that is overwritten before any read, exit or possible fault is not emitted.</item>
/// <item>Memory goes through the shared TLB fast path inlined; a miss spills the exact state of the current
/// instruction (RIP, registers, flags, instruction count) and calls the interpreter's own access path, so a
/// fault is delivered exactly where the interpreter would deliver it.</item>
/// <item>The head, loop heads and basic blocks after a possible slow path check that the run's budget covers the
/// longest path to the next check (<see cref="FindChecks"/>); a slow path that stopped or broke the run (device
/// stop, interrupt line, code invalidation) ends the block after the instruction, as the interpreter's chain does.</item>
/// </list>
/// It needs a JIT: a NativeAOT process (no dynamic code) interprets, see <see cref="GuestCpuCore.Engine"/>.
/// </summary>
[RequiresDynamicCode("tier 2 emits IL for the JIT; callers check RuntimeFeature.IsDynamicCodeSupported")]
internal sealed partial class X86Translator : BlockFrame
{
    /// <summary>Most guest instructions per block, bounding translation and JIT time.</summary>
    public const int MaxInstructions = 128;

    /// <summary>
    /// Most IL bytes of a block's method: past 20,000 IL instructions (or 2,000 basic blocks, or 8,000 local
    /// references) RyuJIT compiles a method with minimal optimisation, locals in memory and no inlining
    /// (DEFAULT_MIN_OPTS_INSTR_COUNT and its neighbours in src/coreclr/jit/compiler.cpp), code several times slower
    /// than the interpreter's own. The translator's IL averages over two bytes an instruction; a block of 128
    /// instructions that reached 48 KB of IL was compiled that way, and its 128-instruction blocks stay under 28 KB.
    /// </summary>
    private const int MaxIlBytes = 32_000;

    /// <summary>Most instructions of a compiled block whose code another block's translation takes in rather than ending at its entry.</summary>
    public const int InlinedBlockLimit = 24;

    private readonly int _maxInstructions;

    private readonly X86Cpu _cpu;
    private readonly ulong _headRip;
    private readonly bool _mode64;
    private readonly int _stackSize;
    private readonly List<GuestNode> _nodes = [];
    private readonly Dictionary<ulong, int> _index = [];
    private readonly List<ulong> _returnSites = [];
    private readonly bool _headBreakpoint;

    /// <summary>The one code page other than the head's that the block may hold instructions of (<see cref="X86Cpu.BlockInstructionAt"/>).</summary>
    private CodePage<DecodedInstruction>? _otherPage;
    private ulong _otherLinearPage;

    private X86Translator(X86Cpu cpu, ulong headRip, bool headBreakpoint, int maxInstructions)
        : base(ExecutedSetter, RipSetter, LimitGetter)
    {
        _maxInstructions = maxInstructions;
        _cpu = cpu;
        _headRip = headRip;
        _mode64 = cpu.Mode64;
        _stackSize = cpu.StackSize;
        _headBreakpoint = headBreakpoint;
    }

    /// <summary>
    /// Compiles the code at <paramref name="rip"/> (an entry of the CPU's current fetch page, which carries a
    /// breakpoint or stop when <paramref name="headBreakpoint"/>); null when its first instruction is not covered.
    /// </summary>
    public static X86CompiledBlock? Compile(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
    {
        for (var limit = MaxInstructions; ; limit /= 2)
        {
            var t = new X86Translator(cpu, rip, headBreakpoint, limit);
            if (!t.Discover())
                return null;
            BasicBlocks.FindLeaders(t._nodes, t._index, rip, t._headBreakpoint);
            BasicBlocks.FindFlagLiveness(t._nodes);
            t.FindChecks();
            var method = t.Emit();
            if (t._producerMismatch)
                return null; // the flag producer analysis missed an operation's translation: interpreted, never run wrong
            if (t._il.ILOffset > MaxIlBytes && limit > 8)
                continue; // translated again, smaller, rather than left to the JIT's minimal optimisation
            var body = (CompiledBlockBody)method.CreateDelegate(typeof(CompiledBlockBody), cpu);
            return new X86CompiledBlock(body, t._nodes.Count, t._checkLength[t._index[rip]], shape)
            {
                OtherPage = t._otherPage,
                OtherLinearPage = t._otherLinearPage,
                OtherGeneration = t._otherPage?.Generation ?? 0,
                InnerRips = t.InnerRips(),
                KnownLeaders = t.KnownLeaderCount(),
                ExitWriteBacks = t._exitStubs.Count,
            };
        }
    }

    /// <summary>Collects the covered instructions reachable from the head in its page and one other the instruction TLB holds; false when the head is not covered.</summary>
    private bool Discover()
    {
        // Breadth first: when the block fills up, what it holds is the code nearest its head (the loop it sits in),
        // not one deep fall-through path with the loop's back edges left as exits.
        var work = new Queue<ulong>();
        work.Enqueue(_headRip);
        while (work.Count != 0 && _nodes.Count < _maxInstructions)
        {
            var rip = work.Dequeue();
            if (_index.ContainsKey(rip))
                continue;
            if (!_cpu.BlockInstructionAt(rip, ref _otherPage, ref _otherLinearPage, out var d))
                continue;
            // An entry that has a compiled block of its own ends this one: the chain goes on into that block rather
            // than translating (and JIT-compiling) its code once more. The generic kernel's xz decoder compiled
            // 22,867 instructions for 1,372 distinct ones when every block took in all it reached. A small block's
            // code is taken in all the same: entering it cost more than its copy (the decoder's match copy loop,
            // 18 instructions, ran as its own block between two others 3.5 M times).
            if (rip != _headRip && (d.Breakpoint || d.Compiled > 0 && _cpu.CompiledInstructionCount(d.Compiled) > InlinedBlockLimit))
                continue;
            var op = GuestOpClassifier.Classify(in d, rip, _mode64);
            if (op is GuestOp.Shl or GuestOp.Shr or GuestOp.Sar && ShiftCount(in d) == 0)
                op = GuestOp.Nop; // a masked count of 0 changes nothing, flags included (SDM Vol. 2B SAL/SAR/SHL/SHR)
            if (op == GuestOp.None)
                continue;
            _index[rip] = -1;
            _nodes.Add(new GuestNode { Rip = rip, D = d, Op = op });
            if (op is GuestOp.Jcc or GuestOp.Jmp or GuestOp.Call)
                work.Enqueue(d.Target);
            if (op is not (GuestOp.Jmp or GuestOp.Ret))
                work.Enqueue(d.NextIP); // for a call, its return site: a RET in the block that pops it branches there
            if (op == GuestOp.Call)
                _returnSites.Add(d.NextIP);
        }
        if (_nodes.Count == 0 || _nodes[0].Rip != _headRip)
            return false; // the head comes first in discovery order; it is not first once sorted by address
        _nodes.Sort((a, b) => a.Rip.CompareTo(b.Rip));
        _index.Clear();
        for (var i = 0; i < _nodes.Count; i++)
            _index[_nodes[i].Rip] = i;
        return true;
    }

    /// <summary>The RIPs of instructions inside a basic block (not leaders): <see cref="X86CompiledBlock.InnerRips"/>.</summary>
    private ulong[] InnerRips()
    {
        var inner = new List<ulong>();
        foreach (var n in _nodes)
            if (!n.Leader)
                inner.Add(n.Rip);
        return [.. inner];
    }

    /// <summary>A shift's masked immediate count (1 for the D0/D1 forms).</summary>
    private static int ShiftCount(in DecodedInstruction d)
        => d.I.OpCount < 2 ? 1 : (int)(d.I.GetImmediate(1) & (d.OpSize == 8 ? 0x3FUL : 0x1FUL));

    /// <inheritdoc/>
    protected override bool InBlock(ulong pc, out int node)
        => BasicBlocks.InBlock(_index, pc, _headRip, _headBreakpoint, out node);
}
