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
/// <item>General registers live in IL locals inside the block, written back at exits.</item>
/// <item>Flags are lazy as in the interpreter (operation, operands, result), kept in locals, materialised only
/// where they are read; a flag write that is overwritten before any read, exit or possible fault is not emitted.</item>
/// <item>Memory goes through the shared TLB fast path inlined; a miss calls the interpreter's own access path with the
/// instruction's RIP and count, and when that meets a guest fault the block leaves before the instruction with its
/// state exact, so the interpreter runs it again and delivers the fault where it would have.</item>
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
    public const int MaxInstructions = GuestBlock.MaxInstructions;

    /// <summary>
    /// Most IL bytes of a block's method: past 20,000 IL instructions (or 2,000 basic blocks, or 8,000 local
    /// references) RyuJIT compiles a method with minimal optimisation, locals in memory and no inlining
    /// (DEFAULT_MIN_OPTS_INSTR_COUNT and its neighbours in src/coreclr/jit/compiler.cpp), code several times slower
    /// than the interpreter's own. The translator's IL averages over two bytes an instruction; a block of 128
    /// instructions that reached 48 KB of IL was compiled that way, and its 128-instruction blocks stay under 28 KB.
    /// </summary>
    private const int MaxIlBytes = 32_000;

    private readonly int _shape;

    private readonly X86Cpu _cpu;
    private readonly GuestBlock _block;
    private readonly ulong _headRip;
    private readonly bool _mode64;
    private readonly int _stackSize;
    private readonly List<GuestNode> _nodes;
    private readonly Dictionary<ulong, int> _index;
    private readonly List<ulong> _returnSites;
    private readonly bool _headBreakpoint;
    private readonly CodePage<DecodedInstruction>? _otherPage;
    private readonly ulong _otherLinearPage;
    private readonly uint _otherGeneration;

    private X86Translator(X86Cpu cpu, GuestBlock block)
        : base(ExecutedSetter, RipSetter, LimitGetter)
    {
        _cpu = cpu;
        _block = block;
        _shape = block.Shape;
        _headRip = block.HeadRip;
        _mode64 = block.Mode64;
        _stackSize = block.StackSize;
        _headBreakpoint = block.HeadBreakpoint;
        _nodes = block.Nodes;
        _index = block.Index;
        _returnSites = block.ReturnSites;
        _otherPage = block.OtherPage;
        _otherLinearPage = block.OtherLinearPage;
        _otherGeneration = block.OtherGeneration;
    }

    /// <summary>
    /// Compiles the code at <paramref name="rip"/> (an entry of the CPU's current fetch page, which carries a
    /// breakpoint or stop when <paramref name="headBreakpoint"/>); null when its first instruction is not covered.
    /// </summary>
    public static X86CompiledBlock? Compile(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
        => Prepare(cpu, rip, headBreakpoint, shape)?.Build();

    /// <summary>
    /// The first half of <see cref="Compile"/>, on the CPU's thread: finds the block's instructions (<see cref="GuestBlock.Find"/>);
    /// null when the first instruction is not covered. <see cref="Build"/> then reads only the copies, so it may run on
    /// another thread while the CPU runs on.
    /// </summary>
    public static X86Translator? Prepare(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape)
        => GuestBlock.Find(cpu, rip, headBreakpoint, shape) is { } block ? new X86Translator(cpu, block) : null;

    /// <inheritdoc cref="GuestBlock.FoundBlocks"/>
    public List<GuestNode> FoundBlocks() => _block.FoundBlocks();

    /// <summary>
    /// The second half of <see cref="Compile"/>, on any thread: emits the block's IL from what <see cref="Prepare"/>
    /// found, translating fewer of its instructions while the IL is too large, and makes the block's delegate.
    /// </summary>
    public X86CompiledBlock? Build()
    {
        for (var limit = MaxInstructions; ; limit /= 2)
        {
            var t = new X86Translator(_cpu, _block.Take(limit));
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

    /// <summary>The RIPs of instructions inside a basic block (not leaders): <see cref="X86CompiledBlock.InnerRips"/>.</summary>
    private ulong[] InnerRips()
    {
        var inner = new List<ulong>();
        foreach (var n in _nodes)
            if (!n.Leader)
                inner.Add(n.Rip);
        return [.. inner];
    }

    /// <inheritdoc/>
    protected override bool InBlock(ulong pc, out int node)
        => BasicBlocks.InBlock(_index, pc, _headRip, _headBreakpoint, out node);
}
