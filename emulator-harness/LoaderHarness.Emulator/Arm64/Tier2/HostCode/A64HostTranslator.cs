using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>
/// The A64 compiling tier's second back end, as x86's (<c>X86.Tier2.HostCode.HostTranslator</c>): a block found by
/// <see cref="A64Block"/> becomes x86-64 machine code (Iced's <see cref="Assembler"/>, encoded by <see cref="CodeLayout"/>)
/// that runs without a JIT, so the NativeAOT executable compiles A64 too.
/// <list type="bullet">
/// <item>Guest registers stay in the CPU's pinned register array (RBX; XZR reads slot 31, writes to XZR go to slot 32,
/// SP is slot 33, as the decoder resolved them), the most used in host registers for the whole block
/// (<see cref="ChooseCachedRegisters"/>). The state block (<see cref="HostState"/>) is in R12, the run's count in R14.</item>
/// <item>NZCV comes from the host's own ADD, SUB, ADC and AND of the same width, whose SF, ZF, CF and OF are N, Z, C
/// and V once a subtraction's CF is complemented (A64's C is NOT borrow, Arm ARM J1.1.3 AddWithCarry), and stays in the
/// host's RFLAGS while nothing clobbers it: so a condition is one host condition code, and flags are saved to the
/// state block (LAHF and SETO) only before anything that clobbers them, at exits and at basic blocks' ends.</item>
/// <item>Memory goes through the TLB fast path (<see cref="HostTlb"/>); a miss, a page crossing or a page that takes no
/// direct store leaves the block before that instruction with exact state, and the interpreter executes it (with its
/// aborts, device accesses and code invalidation). Generated code never calls managed code.</item>
/// <item>Each basic block checks the run's limit (re-read from the state block, where another thread may lower it)
/// before it runs, and counts its instructions; an exit inside it subtracts what it did not run.</item>
/// </list>
/// Ops without a host form here (<see cref="Covers"/>) are left out of the block, which ends before them.
/// </summary>
internal sealed unsafe partial class A64HostTranslator
{
    private readonly Arm64Cpu _cpu;
    private readonly A64Block _block;
    private readonly List<A64Node> _nodes;
    private readonly Assembler _a = ReusedAssembler();

    /// <summary>One assembler per thread, reset for each block, as x86's back end keeps it.</summary>
    [ThreadStatic]
    private static Assembler? _threadAssembler;

    private static Assembler ReusedAssembler()
    {
        var a = _threadAssembler ??= new Assembler(64);
        a.Reset();
        return a;
    }

    private readonly Label[] _labels;
    private readonly HostExits _exits;
    private Label _chainEntry;

    /// <summary>The block's return entries (<see cref="HostFrame.ReturnEntries"/>): the node each enters at, its prologue and its chained entry.</summary>
    private List<(int Node, Label Entry, Label ChainEntry)> _returnEntries = [];

    private A64HostTranslator(Arm64Cpu cpu, A64Block block)
    {
        _cpu = cpu;
        _block = block;
        _nodes = block.Nodes;
        _labels = new Label[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
            _labels[i] = _a.CreateLabel();
        _exits = new HostExits(_a);
        _flags = new HostFlags(_a);
        _chainEntry = _a.CreateLabel();
        ChooseCachedRegisters();
    }

    /// <summary>Compiles the code at <paramref name="pc"/> (in <paramref name="page"/>, the CPU's fetch page) to host code; null when the host cannot run it or its first instruction has no host form.</summary>
    public static A64CompiledBlock? Compile(Arm64Cpu cpu, CodePage<A64Instruction> page, ulong pc)
        => Prepare(cpu, page, pc) is { } block ? Build(cpu, block) : null;

    /// <summary>The first half of <see cref="Compile"/>, on the CPU's thread: the block's instructions; null when <see cref="Compile"/> would give null.</summary>
    public static A64Block? Prepare(Arm64Cpu cpu, CodePage<A64Instruction> page, ulong pc)
        => ExecutableCode.IsSupported ? A64Block.Find(cpu, page, pc, Covers) : null;

    /// <summary>The second half of <see cref="Compile"/>, on any thread: the host code of <paramref name="block"/>; null when it cannot be mapped.</summary>
    public static A64CompiledBlock? Build(Arm64Cpu cpu, A64Block block)
    {
        var t = new A64HostTranslator(cpu, block);
        t.Emit(block.Index[block.HeadPc]);
        var layout = CodeLayout.Encode(t._a.Instructions);
        if (ExecutableCode.Map(layout.Code, layout.OffsetOf(t._chainEntry), t._exits.Cells) is not { } code)
            return null;
        var head = block.Nodes[block.Index[block.HeadPc]];
        var returns = new (ulong, A64CompiledBlock)[t._returnEntries.Count];
        for (var j = 0; j < returns.Length; j++)
        {
            var (k, entry, chainEntry) = t._returnEntries[j];
            var at = code.At(layout.OffsetOf(entry), layout.OffsetOf(chainEntry));
            var site = block.Nodes[k];
            returns[j] = (site.Pc, new A64CompiledBlock(cpu.HostBody(at), site.Pc, 0, site.BlockLength) { HostCode = at }); // its instructions counted with the block
        }
        return new A64CompiledBlock(cpu.HostBody(code), block.HeadPc, block.Nodes.Count, head.BlockLength) { HostCode = code, ReturnEntries = returns };
    }

    /// <summary>
    /// Whether <paramref name="op"/> has a host form here: CLS and RBIT are rare enough in the kernel to leave to the
    /// interpreter, and of MRS and the helper-called instructions only those <see cref="SystemCovered"/> names.
    /// </summary>
    private static bool Covers(A64Op op, A64Instruction d) => op is not (A64Op.Cls or A64Op.Rbit) && SystemCovered(op, in d);

    /// <summary>The whole function: prologue, the nodes in address order, the exits, the epilogue.</summary>
    private void Emit(int head)
    {
        HostFrame.Function(_a, _exits, _cache, ref _chainEntry, _labels[head], _nodes.Count, EmitNode,
            () => _returnEntries = HostFrame.ReturnEntries(_a, _cache, _labels, _block.ReturnSites,
                site => site != _block.HeadPc && _block.InBlock(site, out var k) ? k : -1)); // a block lies in one page, every node with a host form
    }

    /// <summary>The exit stub leaving at <paramref name="pc"/> with the count <paramref name="behind"/> below R14.</summary>
    private Label ExitLabel(ulong pc, int behind) => _exits.Exit(pc, behind);

    /// <summary>Instructions of <paramref name="n"/>'s basic block not run when the block leaves before <paramref name="n"/>.</summary>
    private static int Behind(in A64Node n) => n.OwnBlockLength - n.IndexInBlock;

    /// <summary>Where a branch to <paramref name="pc"/> at a basic block's end goes: the node inside the block, or the exit that may chain.</summary>
    private Label Target(ulong pc) => _block.InBlock(pc, out var k) ? _labels[k] : _exits.ChainExit(pc);

    /// <summary>Goes on at <paramref name="pc"/> at a basic block's end, with the flags saved (every path into a basic block arrives so).</summary>
    private void Goto(ulong pc)
    {
        SaveFlags();
        _a.jmp(Target(pc));
    }

    /// <summary>
    /// At a basic block's start: leave unless the run's limit covers the whole basic block (the interpreter stops when
    /// its count reaches the limit), then count it.
    /// </summary>
    private void EmitBudgetCheck(in A64Node n) => HostFrame.BudgetCheck(_a, n.BlockLength, ExitLabel(n.Pc, 0));

    /// <summary>After node <paramref name="i"/>, on to PC + 4: the next node, a jump inside the block, or an exit.</summary>
    private void EmitFallThrough(int i, ulong next)
    {
        if (!_block.InBlock(next, out var k) || k != i + 1)
            Goto(next);
    }
}
