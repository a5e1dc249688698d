using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Reads the guest's 4-level page tables from outside the CPU (no accessed/dirty updates, no faults), to
/// find where a kernel virtual address lives or to check a VMM's identity map: 4 KiB, 2 MiB and 1 GiB pages
/// (SDM Vol. 3A §4.5).
/// </summary>
internal static class PageTableWalker
{
    private const ulong Present = 1, Writable = 2, LargePage = 0x80;
    private const ulong FrameMask = 0x000F_FFFF_FFFF_F000;

    /// <summary>
    /// The physical address <paramref name="linear"/> maps to under CR3 <paramref name="cr3"/>, or null if
    /// unmapped (or, with <paramref name="writable"/>, if any level forbids writes).
    /// </summary>
    public static ulong? Translate(GuestMemory memory, ulong cr3, ulong linear, bool writable = false)
    {
        var table = cr3 & FrameMask;
        for (var level = 4; level >= 1; level--)
        {
            var shift = 12 + 9 * (level - 1);
            var entryAddress = table + ((linear >> shift) & 0x1FF) * 8;
            if (!memory.IsRam(entryAddress, 8))
                return null;
            var entry = memory.ReadU64(entryAddress);
            if ((entry & Present) == 0 || (writable && (entry & Writable) == 0))
                return null;
            if (level is 2 or 3 && (entry & LargePage) != 0)
            {
                var pageMask = (1UL << shift) - 1;
                return (entry & FrameMask & ~pageMask) | (linear & pageMask);
            }
            table = entry & FrameMask;
        }
        return table | (linear & 0xFFF);
    }
}
