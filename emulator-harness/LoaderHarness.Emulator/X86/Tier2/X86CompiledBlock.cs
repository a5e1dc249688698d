using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// The body of a compiled block, bound to the CPU it was compiled for (a delegate closed over its first argument is
/// called directly; an open static one goes through a shuffle thunk on every call): runs guest code from the
/// block's first instruction and leaves the CPU's state exact at its exit.
/// </summary>
internal delegate void CompiledBlockBody();

/// <summary>
/// Guest code from one entry point compiled to a <see cref="System.Reflection.Emit.DynamicMethod"/>: its
/// body, how many instructions it was translated from, how many it may run before its first check (the budget
/// that must be left to enter it), the execution shape it assumes (<see cref="X86Cpu.CompiledShape"/>), and
/// the other code page it holds instructions of, if any (it runs only while that page is unchanged and mapped
/// where it was).
/// </summary>
internal sealed class X86CompiledBlock(CompiledBlockBody body, int instructionCount, int headLength, int shape) : ICompiledBlock
{
    /// <summary>Runs the block.</summary>
    public readonly CompiledBlockBody Body = body;

    /// <summary>The most instructions the block may run from its head before its next budget check or exit: entering needs that much budget left.</summary>
    public readonly int HeadLength = headLength;

    /// <summary>The shape it was compiled for: 64 (64-bit mode) or 32 (flat 32-bit protected mode).</summary>
    public readonly int Shape = shape;

    /// <summary>The code page other than the head's that the block holds instructions of; null when it has none.</summary>
    public CodePage<DecodedInstruction>? OtherPage { get; init; }

    /// <summary>The linear page number <see cref="OtherPage"/> was mapped at.</summary>
    public ulong OtherLinearPage { get; init; }

    /// <summary><see cref="OtherPage"/>'s generation when the block was translated.</summary>
    public uint OtherGeneration { get; init; }

    /// <summary>
    /// RIPs of its instructions that no branch of the block reaches (inside a basic block, not its head): the run loop
    /// arrives at one only by resuming there (after an interrupt's IRET, at the end of a run slice, after a stop), so
    /// their entries are damped rather than compiled again as blocks of their own.
    /// </summary>
    public ulong[] InnerRips { get; init; } = [];

    /// <summary>
    /// Host code's entries at the block's return sites (<see cref="HostCode.HostTranslator"/>), each a block of its own for
    /// the return site's decoded entry, with no instructions counted: a callee's RET comes back into this code there.
    /// </summary>
    public (ulong Rip, X86CompiledBlock Entry)[] ReturnEntries { get; init; } = [];

    /// <inheritdoc/>
    public int InstructionCount { get; } = instructionCount;

    /// <summary>For host code (<see cref="HostCode.HostTranslator"/>): the code, which other blocks' exits may jump into; null for IL.</summary>
    public Core.HostCode.ExecutableCode? HostCode { get; init; }

    /// <inheritdoc/>
    Delegate ICompiledBlock.Code => Body;

    /// <summary>Basic blocks whose flag producer was known at their start, every in-edge agreeing (translation diagnostics).</summary>
    public int KnownLeaders { get; init; }

    /// <summary>Distinct write-backs its exits branch to, each writing only what may have changed on the paths to it (translation diagnostics).</summary>
    public int ExitWriteBacks { get; init; }

    /// <summary>
    /// The last two blocks the chain entered straight after this one (QEMU TCG's jump slots, here checked rather than
    /// patched): the chain tries them before it looks the exit's address up in its code page's slots and entries and
    /// in the block cache, three dependent loads that missed the host's caches on most of the generic kernel's 84 M
    /// block entries.
    /// </summary>
    public BlockLink LinkA, LinkB;

    /// <summary>Which of <see cref="LinkA"/> and <see cref="LinkB"/> the next new successor replaces.</summary>
    public bool ReplaceB;
}

/// <summary>
/// A successor recorded by the chain: valid while the exit goes to <see cref="Linear"/>, the fetch page there is
/// <see cref="Page"/> at <see cref="Generation"/> (so its slot, entry and breakpoint flag are those checked when the
/// link was made) and no compiled block was dropped or disowned since (<see cref="Epoch"/>): then <see cref="Handle"/>
/// still names the successor in the block cache. It holds the handle, not the block, so that evicted blocks die.
/// </summary>
internal struct BlockLink
{
    public ulong Linear;
    public CodePage<DecodedInstruction>? Page;
    public uint Generation;
    public uint Epoch;
    public int Slot;
    public int Handle;
}
