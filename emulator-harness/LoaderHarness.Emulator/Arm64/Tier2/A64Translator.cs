using System.Diagnostics.CodeAnalysis;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// Translates hot A64 code into IL compiled by the .NET JIT, with the structure of the x86 translator
/// (<c>X86.Tier2.X86Translator</c>): a block (<see cref="A64Block"/>) starts at one entry and takes in every covered
/// instruction of the same code page reachable from it by fall-through and direct branches that has run before, so loops become IL loops; BR, BLR,
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
    private readonly Arm64Cpu _cpu;
    private readonly A64Block _block;
    private readonly ulong _headPc;
    private readonly List<A64Node> _nodes;
    private readonly Dictionary<ulong, int> _index;
    private readonly List<ulong> _returnSites;

    private A64Translator(Arm64Cpu cpu, A64Block block)
        : base(ExecutedSetter, PcSetter, LimitGetter)
    {
        _cpu = cpu;
        _block = block;
        _headPc = block.HeadPc;
        _nodes = block.Nodes;
        _index = block.Index;
        _returnSites = block.ReturnSites;
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
        => A64Block.Find(cpu, page, pc) is { } block ? new A64Translator(cpu, block) : null;

    /// <summary>On the CPU's thread, before <see cref="Build"/> is handed to another (which then changes them): the instructions found, sorted by address.</summary>
    public IReadOnlyList<A64Node> Found => _nodes;

    /// <summary>The second half of <see cref="Compile"/>, on any thread: emits the block's IL from what <see cref="Prepare"/> found and makes its delegate.</summary>
    public A64CompiledBlock Build()
    {
        var body = Emit();
        return new A64CompiledBlock(body, _headPc, _nodes.Count, _nodes[_index[_headPc]].BlockLength, _helpers);
    }

    /// <inheritdoc/>
    protected override bool InBlock(ulong pc, out int node) => _block.InBlock(pc, out node);
}
