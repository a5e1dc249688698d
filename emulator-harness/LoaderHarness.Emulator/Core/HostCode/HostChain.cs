namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// Host code jumping straight into the next block's host code (QEMU TCG's <c>goto_tb</c>, with the jump checked rather
/// than patched). Each exit at a basic block's end to a constant address owns a link cell: the successor's chained entry
/// (<see cref="ExecutableCode.ChainEntry"/>), the epoch it was linked in and the successor's address. A return that leaves
/// its block finds its cell in the CPU's jump cache instead, a direct-mapped table indexed by a hash of the address it
/// popped (QEMU's <c>tb_jmp_cache</c>, which its <c>lookup_and_goto_ptr</c> reads), and checks the cell names that address.
/// The exit jumps when its cell holds the state block's <see cref="HostState.ChainEpoch"/>; otherwise it leaves and names
/// its cell in <see cref="HostState.ExitCell"/>, and the CPU's chain, having found and checked the successor as it
/// does for every transition, fills the cell. The CPU moves to a new epoch whenever a link may no longer be one it would
/// make (<c>GuestCpuCore.HostChainEpoch</c>), which voids every cell at once.
/// </summary>
internal static class HostChain
{
    /// <summary>A link cell's words: the entry to jump to, the epoch it holds in, and the guest address it leads to.</summary>
    public const int Entry = 0, Epoch = 1, Target = 2, CellWords = 3;

    /// <summary>Cells in a CPU's jump cache (a power of two): 96 KiB, room for a kernel's hot return sites.</summary>
    public const int JumpCacheEntries = 4096;

    /// <summary>The state block's epoch when the entry must not chain: no cell holds it (unlinked cells hold 0).</summary>
    public const ulong Off = 1;

    /// <summary>The first epoch a CPU links in.</summary>
    public const ulong First = 2;
}
