using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// The body of a compiled A64 block: runs guest code from the block's first instruction and leaves the CPU's state
/// exact at its exit. A delegate closed over its CPU (blocks belong to one CPU's cache), so a call needs no
/// argument-shuffling thunk, as an open delegate over a static method does.
/// </summary>
internal delegate void A64BlockBody();

/// <summary>
/// A64 code from one entry point compiled to a <see cref="System.Reflection.Emit.DynamicMethod"/>: its body,
/// the virtual address it was translated at (decoded entries are per physical page, but compiled code embeds
/// PC-relative results, so it runs only at that address), how many instructions it covers and how many its
/// first basic block runs (the budget that must be left to enter it).
/// </summary>
internal sealed class A64CompiledBlock(A64BlockBody body, ulong headPc, int instructionCount, int headLength, A64Instruction[]? helpers = null) : ICompiledBlock
{
    /// <summary>
    /// The pinned decoded instructions whose addresses the body passes to interpreter handlers: the block keeps them
    /// alive, and whoever runs <see cref="Body"/> keeps the block alive until it returns (an invalidation inside the
    /// body may drop the block from its cache while the body still runs).
    /// </summary>
    public readonly A64Instruction[]? Helpers = helpers;

    /// <summary>For host code (<see cref="HostCode.A64HostTranslator"/>): the code; null for IL.</summary>
    public Core.HostCode.ExecutableCode? HostCode { get; init; }

    /// <summary>Runs the block.</summary>
    public readonly A64BlockBody Body = body;

    /// <summary>The virtual address of its first instruction.</summary>
    public readonly ulong HeadPc = headPc;

    /// <summary>Instructions in the first basic block: entering needs that much budget left.</summary>
    public readonly int HeadLength = headLength;

    /// <summary>
    /// Host code's entries at the block's return sites (<see cref="HostCode.A64HostTranslator"/>), each a block of its own
    /// for the return site's decoded entry, with no instructions counted: a callee's RET comes back into this code there.
    /// </summary>
    public (ulong Pc, A64CompiledBlock Entry)[] ReturnEntries { get; init; } = [];

    /// <inheritdoc/>
    public int InstructionCount { get; } = instructionCount;

    /// <inheritdoc/>
    Delegate ICompiledBlock.Code => Body;
}
