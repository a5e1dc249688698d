using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Boot.MemoryMap;

/// <summary>
/// Builds the x86 memory map a VMM reports (e820 / PVH memmap) for a guest's RAM, in Firecracker's
/// layout (src/vmm/src/arch/x86_64/mod.rs, configure_system): conventional memory up to the EBDA,
/// the EBDA/BIOS area reserved, then every RAM region from 1 MiB up, with extra reserved ranges
/// (MMCONFIG and the like) where given.
/// </summary>
public static class MemoryMapBuilder
{
    /// <summary>Start of the EBDA: Firecracker SYSTEM_MEM_START (layout.rs).</summary>
    public const ulong EbdaStart = 0x9_FC00;
    /// <summary>End of the reserved BIOS area below 1 MiB: Firecracker RSDP_ADDR (layout.rs).</summary>
    public const ulong BiosAreaEnd = 0xE_0000;
    /// <summary>Start of high memory: 1 MiB (boot.rst; Firecracker HIMEM_START).</summary>
    public const ulong HighMemoryStart = 0x10_0000;

    /// <summary>
    /// The map for <paramref name="memory"/>, sorted by address, with <paramref name="reserved"/>
    /// ranges added (they must not overlap RAM entries). Conventional memory is RAM up to
    /// <paramref name="lowRamEnd"/> and reserved from there to <paramref name="biosAreaEnd"/> (no entry
    /// when they are equal): VMMs differ here (Firecracker 0x9FC00/0xE0000, Cloud Hypervisor
    /// 0xA0000/none, crosvm 0xA0000/1 MiB).
    /// </summary>
    public static IReadOnlyList<MemoryMapEntry> ForX86(GuestMemory memory, IEnumerable<MemoryMapEntry>? reserved = null,
        ulong lowRamEnd = EbdaStart, ulong biosAreaEnd = BiosAreaEnd)
    {
        if (lowRamEnd > biosAreaEnd || biosAreaEnd > HighMemoryStart)
            throw new LoaderException(LoaderError.InvalidMemoryLayout,
                $"conventional memory must end (0x{lowRamEnd:x}) before the BIOS area does (0x{biosAreaEnd:x}), at or below 1 MiB");
        var first = memory.Regions[0];
        if (first.Start != 0 || first.Size < HighMemoryStart)
            throw new LoaderException(LoaderError.InvalidMemoryLayout,
                $"an x86 guest needs RAM from 0 to at least 1 MiB; the first region is {first}");
        var entries = new List<MemoryMapEntry> { new(0, lowRamEnd, MemoryType.Ram) };
        if (biosAreaEnd > lowRamEnd)
            entries.Add(new MemoryMapEntry(lowRamEnd, biosAreaEnd - lowRamEnd, MemoryType.Reserved));
        foreach (var region in memory.Regions)
        {
            var start = Math.Max(region.Start, HighMemoryStart);
            if (start < region.End)
                entries.Add(new MemoryMapEntry(start, region.End - start, MemoryType.Ram));
        }
        foreach (var r in reserved ?? [])
        {
            if (entries.Any(e => e.Type == MemoryType.Ram && r.Address < e.End && e.Address < r.End))
                throw new LoaderException(LoaderError.PlacementOverlap, $"reserved range {r} overlaps guest RAM");
            entries.Add(r);
        }
        entries.Sort((a, b) => a.Address.CompareTo(b.Address));
        return entries;
    }
}
