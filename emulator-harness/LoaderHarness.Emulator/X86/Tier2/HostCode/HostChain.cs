namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// Host code jumping straight into the next block's host code (QEMU TCG's <c>goto_tb</c>, with the jump checked rather
/// than patched). Each exit at a basic block's end to a constant address owns a link cell of <see cref="CellWords"/>
/// words: the successor's chained entry (<see cref="ExecutableCode.ChainEntry"/>) and the epoch it was linked in. The
/// exit jumps when its cell holds the state block's <see cref="HostState.ChainEpoch"/>; otherwise it leaves and names
/// its cell in <see cref="HostState.ExitCell"/>, and the CPU's chain, having found and checked the successor as it
/// does for every transition, fills the cell. The CPU moves to a new epoch whenever a link may no longer be one it would
/// make (<c>X86Cpu.HostChainEpoch</c>), which voids every cell at once.
/// </summary>
internal static class HostChain
{
    /// <summary>Words per link cell: the entry to jump to, then the epoch it holds in.</summary>
    public const int CellWords = 2;

    /// <summary>The state block's epoch when the entry must not chain: no cell holds it (unlinked cells hold 0).</summary>
    public const ulong Off = 1;

    /// <summary>The first epoch a CPU links in.</summary>
    public const ulong First = 2;
}
