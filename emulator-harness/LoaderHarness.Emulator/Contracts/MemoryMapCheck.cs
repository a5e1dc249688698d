using LoaderHarness.Loader.Boot.MemoryMap;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>The sanity rules the e820 table and the PVH memmap share.</summary>
internal static class MemoryMapCheck
{
    /// <summary>Sorted, non-overlapping, no wrap, types 1–7 (E820_TYPE_RAM … E820_TYPE_PMEM), RAM at 0 and at <paramref name="kernel"/>.</summary>
    public static (ContractVerdict, string) Check(IReadOnlyList<MemoryMapEntry> entries, ulong kernel)
    {
        ulong previousEnd = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Size == 0 || e.Address + e.Size < e.Address)
                return Fail($"entry {i} {e} is empty or wraps");
            if ((uint)e.Type is < 1 or > 7)
                return Fail($"entry {i} has type {(uint)e.Type}");
            if (i > 0 && e.Address < previousEnd)
                return Fail($"entry {i} {e} overlaps or is out of order");
            previousEnd = e.Address + e.Size;
        }
        if (!entries.Any(e => e.Type == MemoryType.Ram && e.Address == 0))
            return Fail("no RAM entry at address 0");
        if (!entries.Any(e => e.Type == MemoryType.Ram && e.Address <= kernel && kernel < e.Address + e.Size))
            return Fail($"the kernel at 0x{kernel:x} is not in a RAM entry");
        return Pass($"{entries.Count} entries");
    }
}
