using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The e820 map a kernel receives on QEMU 7.2's <c>-M pc</c> (i440FX, SeaBIOS, TCG's default qemu64 CPU), for the
/// 16-bit entry (the real-mode setup asks SeaBIOS through INT 15h E820) and for PVH (pvh.bin's memmap, the same
/// table). QEMU writes <c>etc/e820</c> (hw/i386/pc.c pc_memory_init: <c>e820_add_entry(0, below_4g_mem_size,
/// E820_RAM)</c>, above-4 GiB RAM, and on an AMD-vendor CPU with 40+ physical address bits the HyperTransport
/// hole <c>AMD_HT_START</c> 0xFD_0000_0000 + <c>AMD_HT_SIZE</c> 12 GiB); SeaBIOS 1.16 then carves its own areas out
/// of it: the 1 KiB EBDA at 0x9FC00 (src/post.c bda_init), the BIOS at 0xF0000–0xFFFFF (src/post.c,
/// BUILD_BIOS_ADDR/SIZE), its 128 KiB high tables at the top of the highest RAM below 4 GiB (src/malloc.c
/// malloc_preinit, BUILD_MAX_HIGHTABLE) and the BIOS ROM's 256 KiB below 4 GiB (src/fw/paravirt.c qemu_preinit).
/// Checked entry for entry against <c>boot_params.e820_table</c> read with QEMU's gdbstub at <c>start_kernel</c>.
/// </summary>
public static class QemuPcMemoryMap
{
    /// <summary>SeaBIOS's EBDA: EBDA_SEGMENT_START 0x9FC0, 1 KiB (src/config.h, src/post.c bda_init).</summary>
    public const ulong Ebda = 0x9_FC00;
    /// <summary>SeaBIOS BUILD_BIOS_ADDR: the F-segment (src/config.h).</summary>
    public const ulong BiosArea = 0xF_0000;
    /// <summary>SeaBIOS BUILD_MAX_HIGHTABLE (src/config.h): reserved at the top of low RAM for ACPI/SMBIOS tables.</summary>
    public const ulong HighTables = 0x2_0000;
    /// <summary>The BIOS ROM mapping below 4 GiB SeaBIOS reserves (src/fw/paravirt.c: "reserve 256KB BIOS area at the end of 4 GB").</summary>
    public const ulong BiosRom = 0xFFFC_0000;
    /// <summary>hw/i386/pc.c AMD_HT_START (1 TiB − 12 GiB).</summary>
    public const ulong AmdHtStart = 0xFD_0000_0000;
    /// <summary>hw/i386/pc.c AMD_HT_SIZE.</summary>
    public const ulong AmdHtSize = 0x3_0000_0000;

    private const ulong OneMiB = 0x10_0000;
    private const ulong FourGiB = 1UL << 32;

    /// <summary>The map for <paramref name="memory"/>'s RAM, sorted by address.</summary>
    public static IReadOnlyList<MemoryMapEntry> For(GuestMemory memory)
    {
        var entries = new List<MemoryMapEntry>
        {
            new(0, Ebda, MemoryType.Ram),
            new(Ebda, 0x400, MemoryType.Reserved),
            new(BiosArea, OneMiB - BiosArea, MemoryType.Reserved),
        };
        // malloc_preinit takes its high tables from the highest RAM entry that ends below 4 GiB.
        var lowTop = memory.Regions.Where(r => r.End > OneMiB && r.End <= FourGiB).Select(r => r.End).DefaultIfEmpty(0UL).Max();
        foreach (var region in memory.Regions)
        {
            var start = Math.Max(region.Start, OneMiB);
            var end = region.End == lowTop && lowTop - start > HighTables ? lowTop - HighTables : region.End;
            if (start < end)
                entries.Add(new MemoryMapEntry(start, end - start, MemoryType.Ram));
            if (end != region.End)
                entries.Add(new MemoryMapEntry(end, HighTables, MemoryType.Reserved));
        }
        entries.Add(new MemoryMapEntry(BiosRom, FourGiB - BiosRom, MemoryType.Reserved));
        entries.Add(new MemoryMapEntry(AmdHtStart, AmdHtSize, MemoryType.Reserved));
        entries.Sort((a, b) => a.Address.CompareTo(b.Address));
        return entries;
    }
}
