using System.Collections.Concurrent;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// The compiling tier's second back end: a block found by <see cref="GuestBlock"/> becomes x86-64 machine code
/// (built with Iced's <see cref="Assembler"/>, encoded by <see cref="CodeLayout"/>) that runs without a JIT, so the NativeAOT executable compiles too.
/// The design is the simplest exact one:
/// <list type="bullet">
/// <item>Guest registers stay in the CPU's pinned register array; every instruction loads and stores them there
/// (RBX holds its address). The rest the code touches is a pinned state block (R12, <see cref="HostState"/>) and the
/// pinned TLB (R13); R14 counts the run's instructions.</item>
/// <item>Arithmetic flags come from the host's own instruction of the same operation and size, forms whose flags the
/// SDM defines exactly as the interpreter computes them (logic results go through ADD 0 to clear AF; shifts, whose AF
/// and multi-bit OF are undefined, compute those two). They stay in the host's RFLAGS while nothing clobbers them and
/// are saved (LAHF and SETO) to the state block before anything that does, before every exit and at the end of each basic
/// block; a reader with no valid host flags loads them back (SAHF, and OF through an ADD overflow).</item>
/// <item>Memory goes through the same TLB fast path as the IL tier; a miss, a page crossing or a page that takes no
/// direct store leaves the block before that instruction with exact state, and the interpreter executes it. No
/// generated code calls back into managed code.</item>
/// <item>Each basic block checks the run's limit (re-read from the state block, where another thread may lower it)
/// before it runs, and counts its instructions; an exit inside it subtracts what it did not run.</item>
/// </list>
/// Only 64-bit mode is compiled; an instruction without a host form here (<see cref="Supported"/>) is an exit.
/// </summary>
internal sealed partial class HostTranslator
{
    private readonly GuestBlock _block;
    private readonly List<GuestNode> _nodes;
    private readonly Assembler _a = ReusedAssembler();

    /// <summary>One assembler per thread, reset for each block: its instruction list keeps the capacity the blocks grew it to (growing it anew took 3 % of the PVH boot to /init).</summary>
    [ThreadStatic]
    private static Assembler? _threadAssembler;

    /// <summary>
    /// Blocks for <see cref="GuestBlock.Find"/> to fill, each back here once its host code is made: finding into a new one
    /// took 6 % of the PVH boot to /init's samples, most of them allocating. More than one, since a block found on the CPU's
    /// thread may still be built on the background compiler's while the CPU finds the next.
    /// </summary>
    private static readonly ConcurrentBag<GuestBlock> FreeBlocks = [];

    private static Assembler ReusedAssembler()
    {
        var a = _threadAssembler ??= new Assembler(64);
        a.Reset();
        return a;
    }
    /// <summary>
    /// The translator's tables, one set per thread and emptied for each block, as the assembler is: made anew and grown
    /// for every block they were most of the 13 KB a block's translation allocated, and of the PVH boot to /init's three
    /// collections (45 ms of pauses that stop the CPU's thread too).
    /// </summary>
    [ThreadStatic]
    private static Label[]? _threadLabels;

    /// <summary>The label of each node, by index (the first <see cref="_nodes"/>.Count of the thread's array).</summary>
    private readonly Label[] _labels;
    private readonly HostExits _exits;
    private Label _chainEntry;

    /// <summary>The block's return entries (<see cref="EmitReturnEntries"/>): the node each enters at, its prologue and its chained entry.</summary>
    private List<(int Node, Label Entry, Label ChainEntry)> _returnEntries = [];

    private HostTranslator(GuestBlock block)
    {
        _block = block;
        _nodes = block.Nodes;
        if (_threadLabels is null || _threadLabels.Length < _nodes.Count)
            _threadLabels = new Label[Math.Max(_nodes.Count, GuestBlock.MaxInstructions)];
        _labels = _threadLabels;
        for (var i = 0; i < _nodes.Count; i++)
            _labels[i] = _a.CreateLabel();
        _exits = new HostExits(_a);
        _flags = new HostFlags(_a);
        _chainEntry = _a.CreateLabel();
        ChooseCachedRegisters();
        FindDeadFlags(_nodes);
    }

    /// <summary>
    /// Marks whose flags something may read (<see cref="GuestNode.FlagsLive"/>): the shared per-basic-block pass, with the
    /// instructions host code leaves the block at (no host form, CLI and STI) as reads, since the flags must be saved
    /// there. Dead flags are neither computed nor saved: IMUL's took four host instructions and a store, SHR's seven and
    /// a store, most of the host code of the RSA self-tests' multiplications.
    /// </summary>
    internal static void FindDeadFlags(List<GuestNode> nodes)
        => BasicBlocks.FindFlagLiveness(nodes, static n => !Supported(in n) || n.Op is GuestOp.Cli or GuestOp.Sti);

    /// <summary>
    /// Compiles the code at <paramref name="rip"/> (an entry of <paramref name="cpu"/>'s current fetch page, which carries a
    /// breakpoint or stop when <paramref name="headBreakpoint"/>) to host code; null when the host cannot run it, the
    /// shape is not 64-bit mode, or the first instruction has no host form here.
    /// </summary>
    public static X86CompiledBlock? Compile(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
        => Prepare(cpu, rip, headBreakpoint, shape) is { } found ? Build(cpu, found) : null;

    /// <summary>
    /// The first half of <see cref="Compile"/>, on the CPU's thread: finds the block's instructions (copies of their entries,
    /// <see cref="GuestBlock.Find"/>) and its basic blocks; null when <see cref="Compile"/> would give null for what it read
    /// here. <see cref="Build"/> then reads only the block, so it may run on another thread while the CPU runs on.
    /// </summary>
    public static GuestBlock? Prepare(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
    {
        if (shape != 64 || !ExecutableCode.IsSupported || !HeadRunCompiles(cpu, rip))
            return null;
        var into = FreeBlocks.TryTake(out var free) ? free : GuestBlock.Reusable(hostForms: true);
        if (GuestBlock.Find(cpu, rip, headBreakpoint, shape, into) is not { } block)
        {
            FreeBlocks.Add(into);
            return null;
        }
        block.FoundBlocks();
        var head = block.Index[rip];
        for (var i = head; i < head + block.Nodes[head].OwnBlockLength; i++)
        {
            // A block that left inside its first basic block (at an instruction without a host form) would run a few
            // instructions per entry and cost more to enter and leave than the interpreter takes for them: the entry stays interpreted.
            if (!Supported(block.Nodes[i]))
            {
                FreeBlocks.Add(block);
                return null;
            }
        }
        return block;
    }

    /// <summary>
    /// The second half of <see cref="Compile"/>, on any thread: the host code of what <see cref="Prepare"/> found, whose
    /// block goes back to be found into again. Null when the code cannot be mapped.
    /// </summary>
    public static X86CompiledBlock? Build(X86Cpu cpu, GuestBlock block)
    {
        try
        {
            var head = block.Index[block.HeadRip];
            var t = new HostTranslator(block);
            t.Emit(head);
            var layout = CodeLayout.Encode(t._a.Instructions);
            if (ExecutableCode.Map(layout.Code, layout.OffsetOf(t._chainEntry), t._exits.Cells) is not { } code)
                return null;
            var inner = new List<ulong>();
            foreach (var n in block.Nodes)
            {
                if (!n.Leader)
                    inner.Add(n.Rip);
            }
            var returns = new (ulong, X86CompiledBlock)[t._returnEntries.Count];
            for (var j = 0; j < returns.Length; j++)
            {
                var (k, entry, chainEntry) = t._returnEntries[j];
                var at = code.At(layout.OffsetOf(entry), layout.OffsetOf(chainEntry));
                returns[j] = (block.Nodes[k].Rip, Compiled(at, 0, block.Nodes[k].OwnBlockLength, [], [])); // its instructions counted with the block
            }
            return Compiled(code, block.Nodes.Count, block.Nodes[head].OwnBlockLength, [.. inner], returns);

            // The block, or one of its return entries, entered at `at`: both run only while the block's pages hold.
            X86CompiledBlock Compiled(ExecutableCode at, int count, int headLength, ulong[] innerRips, (ulong, X86CompiledBlock)[] returnEntries)
                => new(cpu.HostBody(at), count, headLength, block.Shape)
                {
                    HostCode = at,
                    OtherPage = block.OtherPage,
                    OtherLinearPage = block.OtherLinearPage,
                    OtherGeneration = block.OtherGeneration,
                    InnerRips = innerRips,
                    ReturnEntries = returnEntries,
                };
        }
        finally
        {
            FreeBlocks.Add(block);
        }
    }

    /// <summary>
    /// Emitted after the nodes: the return entries (<see cref="HostFrame.ReturnEntries"/>) of the return sites in the head's
    /// page that have host forms. On the PVH boot to /init, 765,000 of the 919,000 chains that stopped at code with no
    /// block had stopped at a return site.
    /// </summary>
    private void EmitReturnEntries()
        => _returnEntries = HostFrame.ReturnEntries(_a, _cache, _labels, _block.ReturnSites,
            site => site >> 12 == _block.HeadRip >> 12 && site != _block.HeadRip && InBlock(site, out var k) && Supported(_nodes[k]) ? k : -1);

    /// <summary>
    /// Before the block is looked for: whether the straight run of instructions from <paramref name="rip"/> up to its first
    /// branch has host forms (what the refusal of a first basic block that would leave checks later, only cheaper: an
    /// entry whose first instructions have none is refused without the discovery of 128 instructions).
    /// </summary>
    private static bool HeadRunCompiles(X86Cpu cpu, ulong rip)
    {
        CodePage<DecodedInstruction>? other = null;
        ulong otherPage = 0;
        for (var k = 0; k < GuestBlock.MaxInstructions; k++)
        {
            if (!cpu.BlockInstructionAt(rip, ref other, ref otherPage, out var d))
                return true; // the block ends here; discovery decides
            var n = new GuestNode { Rip = rip, D = d, Op = GuestBlock.Operation(in d, rip, true, hostForms: true) };
            if (n.Op == GuestOp.None)
                return true; // the block ends before it
            if (!Supported(in n))
                return false;
            if (GuestOpClassifier.EndsBlock(n.Op) || d.Fusion == OperandForms.Fused)
                return true; // a fused entry is an ALU instruction and the branch after it
            rip = d.NextIP;
        }
        return true;
    }

    /// <summary>Whether <paramref name="n"/> has a host form here; any other instruction is an exit to the interpreter.</summary>
    private static bool Supported(in GuestNode n)
    {
        ref readonly var d = ref n.D;
        return n.Op switch
        {
            GuestOp.Nop or GuestOp.Mov or GuestOp.Lea or GuestOp.Add or GuestOp.Adc or GuestOp.Sub or GuestOp.Sbb or GuestOp.And
                or GuestOp.Or or GuestOp.Xor or GuestOp.Cmp or GuestOp.Test or GuestOp.Inc or GuestOp.Dec or GuestOp.Neg
                or GuestOp.Not or GuestOp.Setcc or GuestOp.Jcc or GuestOp.Jmp => true,
            GuestOp.Div or GuestOp.MulWide or GuestOp.ConvertAccumulator or GuestOp.Bswap => true, // the classifier leaves DIV, MUL and BSWAP at 32 and 64 bits
            GuestOp.RepStos or GuestOp.RepMovs or GuestOp.Cli or GuestOp.Sti or GuestOp.Rdtsc or GuestOp.DoubleShift => true,
            GuestOp.Cmpxchg => d.K0 == OperandKind.Memory,
            GuestOp.CmpxchgDouble => d.I.Code == Code.Cmpxchg16b_m128, // CMPXCHG8B is left to the interpreter
            GuestOp.Xadd => d.OpSize is 4 or 8,
            GuestOp.BitTest => true,
            GuestOp.Cmovcc => d.OpSize is 2 or 4 or 8,
            // The SDM leaves CF undefined for a count at or past the operand's width (SAL/SAR/SHL/SHR, Flags Affected).
            GuestOp.Shl or GuestOp.Shr or GuestOp.Sar => GuestBlock.ShiftCount(in d) < d.OpSize * 8,
            GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl => d.OpSize is 4 or 8, // CL masked to 5 or 6 bits stays below the width
            GuestOp.Imul => d.OpSize is 2 or 4 or 8, // the one-operand forms are MulWide
            GuestOp.Rol or GuestOp.Ror => d.OpSize is 4 or 8, // by an immediate (by CL is left to the interpreter)
            GuestOp.Push or GuestOp.Pop or GuestOp.Call or GuestOp.Ret or GuestOp.Pushf or GuestOp.Leave => EightByteStack(in d),
            GuestOp.CallIndirect => d.I.Code == Code.Call_rm64,
            GuestOp.Movzx or GuestOp.Movsx => ExtendSizes(in d) is var (from, to)
                && (from is 1 or 2 && to > from || n.Op == GuestOp.Movsx && from == 4 && to == 8),
            _ => false,
        };
    }

    /// <summary>Whether <paramref name="pc"/> is a node a branch may reach inside the block (<see cref="BasicBlocks.InBlock"/>).</summary>
    private bool InBlock(ulong pc, out int node) => BasicBlocks.InBlock(_block.Index, pc, _block.HeadRip, _block.HeadBreakpoint, out node);

    /// <summary>The whole function: prologue, the nodes in address order, the exits, the epilogue.</summary>
    private void Emit(int head)
    {
        HostFrame.Function(_a, _exits, _cache, ref _chainEntry, _labels[head], _nodes.Count, EmitNode, EmitReturnEntries);
    }

    /// <summary>The exit to <paramref name="rip"/> at a basic block's end, which may chain (<see cref="HostExits"/>).</summary>
    private Label ChainExit(ulong rip) => _exits.ChainExit(rip);

    /// <summary>The exit stub leaving at <paramref name="rip"/> with the count <paramref name="behind"/> below R14.</summary>
    private Label ExitLabel(ulong rip, int behind) => _exits.Exit(rip, behind);

    /// <summary>
    /// Leaves the block at <paramref name="rip"/>, <paramref name="behind"/> instructions before the end of the current
    /// basic block; at its end (0 behind) through an exit that may chain.
    /// </summary>
    private void Leave(ulong rip, int behind)
    {
        SaveFlags();
        _a.jmp(behind == 0 ? ChainExit(rip) : ExitLabel(rip, behind));
    }

    /// <summary>Instructions of <paramref name="n"/>'s basic block not run when the block leaves before <paramref name="n"/>.</summary>
    private static int Behind(in GuestNode n) => n.OwnBlockLength - n.IndexInBlock;

    /// <summary>
    /// At a basic block's start: leave unless the run's limit covers the whole basic block (the interpreter stops when
    /// its count reaches the limit), then count it.
    /// </summary>
    private void EmitBudgetCheck(in GuestNode n) => HostFrame.BudgetCheck(_a, n.BlockLength, ExitLabel(n.Rip, 0));

    /// <summary>After node <paramref name="i"/>, on to <paramref name="next"/>: the next node, a jump inside the block, or an exit.</summary>
    private void EmitFallThrough(int i, ulong next)
    {
        if (!InBlock(next, out var k))
            Leave(next, 0);
        else if (k != i + 1)
        {
            SaveFlags();
            _a.jmp(_labels[k]);
        }
    }
}
