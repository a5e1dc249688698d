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
    private readonly int _shape;

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

    /// <summary>The instructions <see cref="Discover()"/> found, in the order it found them (before sorting).</summary>
    private readonly List<GuestNode> _found = [];

    /// <summary>How many instructions discovery had found when it first took in <see cref="_otherPage"/> (int.MaxValue: never).</summary>
    private int _otherPageAt = int.MaxValue;

    /// <summary><see cref="_otherPage"/>'s generation when discovery ended.</summary>
    private uint _otherGeneration;

    private X86Translator(X86Cpu cpu, ulong headRip, bool headBreakpoint, int maxInstructions, int shape, bool mode64, int stackSize)
        : base(ExecutedSetter, RipSetter, LimitGetter)
    {
        _maxInstructions = maxInstructions;
        _shape = shape;
        _cpu = cpu;
        _headRip = headRip;
        _mode64 = mode64;
        _stackSize = stackSize;
        _headBreakpoint = headBreakpoint;
    }

    /// <summary>A fresh translator over the first <paramref name="limit"/> instructions <paramref name="discovered"/> found: what discovery with that limit would have found, since it takes instructions in the same order and stops at the limit.</summary>
    private X86Translator(X86Translator discovered, int limit)
        : this(discovered._cpu, discovered._headRip, discovered._headBreakpoint, limit, discovered._shape, discovered._mode64, discovered._stackSize)
    {
        var count = Math.Min(limit, discovered._found.Count);
        for (var i = 0; i < count; i++)
        {
            var n = discovered._found[i];
            _nodes.Add(n);
            if (n.Op == GuestOp.Call)
                _returnSites.Add(n.D.NextIP);
        }
        if (discovered._otherPageAt < limit) // discovery with this limit would have taken the page in too
        {
            _otherPage = discovered._otherPage;
            _otherLinearPage = discovered._otherLinearPage;
            _otherGeneration = discovered._otherGeneration;
        }
        Order();
    }

    /// <summary>
    /// Compiles the code at <paramref name="rip"/> (an entry of the CPU's current fetch page, which carries a
    /// breakpoint or stop when <paramref name="headBreakpoint"/>); null when its first instruction is not covered.
    /// </summary>
    public static X86CompiledBlock? Compile(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
        => Prepare(cpu, rip, headBreakpoint, shape)?.Build();

    /// <summary>
    /// The first half of <see cref="Compile"/>, on the CPU's thread: finds the block's instructions in the CPU's code pages
    /// (which it may decode into) and copies them; null when the first instruction is not covered. <see cref="Build"/>
    /// then reads only the copies, so it may run on another thread while the CPU runs on.
    /// </summary>
    public static X86Translator? Prepare(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
    {
        var t = new X86Translator(cpu, rip, headBreakpoint, MaxInstructions, shape, cpu.Mode64, cpu.StackSize);
        return t.Discover() ? t : null;
    }

    /// <summary>
    /// On the CPU's thread, before <see cref="Build"/> is handed to another: the instructions found, sorted by address,
    /// with the basic blocks' leaders marked (<see cref="IBlockNode.Leader"/>), so the engine can hold back the heat of
    /// the entries the block will cover while it is compiled. <see cref="Build"/> works on copies, never on these.
    /// </summary>
    public List<GuestNode> FoundBlocks()
    {
        Order();
        BasicBlocks.FindLeaders(_nodes, _index, _headRip, _headBreakpoint);
        return _nodes;
    }

    /// <summary>
    /// The second half of <see cref="Compile"/>, on any thread: emits the block's IL from what <see cref="Prepare"/>
    /// found, translating fewer of its instructions while the IL is too large, and makes the block's delegate.
    /// </summary>
    public X86CompiledBlock? Build()
    {
        for (var limit = MaxInstructions; ; limit /= 2)
        {
            var t = new X86Translator(this, limit);
            BasicBlocks.FindLeaders(t._nodes, t._index, _headRip, _headBreakpoint);
            BasicBlocks.FindFlagLiveness(t._nodes);
            t.FindChecks();
            var method = t.Emit();
            if (t._producerMismatch)
                return null; // the flag producer analysis missed an operation's translation: interpreted, never run wrong
            if (t._il.ILOffset > MaxIlBytes && limit > 8)
                continue; // translated again, smaller, rather than left to the JIT's minimal optimisation
            var body = (CompiledBlockBody)method.CreateDelegate(typeof(CompiledBlockBody), _cpu);
            return new X86CompiledBlock(body, t._nodes.Count, t._checkLength[t._index[_headRip]], _shape)
            {
                OtherPage = t._otherPage,
                OtherLinearPage = t._otherLinearPage,
                OtherGeneration = t._otherGeneration,
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
            var found = _cpu.BlockInstructionAt(rip, ref _otherPage, ref _otherLinearPage, out var d);
            if (_otherPage is not null && _otherPageAt == int.MaxValue)
                _otherPageAt = _nodes.Count;
            if (!found)
                continue;
            // An entry that has a compiled block of its own ends this one: the chain goes on into that block rather
            // than translating (and JIT-compiling) its code once more. The generic kernel's xz decoder compiled
            // 22,867 instructions for 1,372 distinct ones when every block took in all it reached. A small block's
            // code is taken in all the same: entering it cost more than its copy (the decoder's match copy loop,
            // 18 instructions, ran as its own block between two others 3.5 M times).
            if (rip != _headRip && (d.Breakpoint || d.Compiled > 0 && _cpu.CompiledInstructionCount(d.Compiled) > InlinedBlockLimit))
                continue;
            var op = GuestOpClassifier.Classify(in d, rip, _mode64);
            if (op is GuestOp.Shl or GuestOp.Shr or GuestOp.Sar or GuestOp.Rol or GuestOp.Ror && ShiftCount(in d) == 0)
                op = GuestOp.Nop; // a masked count of 0 changes nothing, flags included (SDM Vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR)
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
        _found.AddRange(_nodes);
        _otherGeneration = _otherPage?.Generation ?? 0; // read here, on the CPU's thread: the block runs only while the page keeps it
        return true;
    }

    /// <summary>Sorts the nodes by address and indexes them.</summary>
    private void Order()
    {
        _nodes.Sort((a, b) => a.Rip.CompareTo(b.Rip));
        _index.Clear();
        for (var i = 0; i < _nodes.Count; i++)
            _index[_nodes[i].Rip] = i;
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
