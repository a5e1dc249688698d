using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The e820 map a kernel receives on QEMU 7.2's <c>-M microvm</c>, whose firmware is qboot (pc-bios/qboot.rom), for PVH
/// (qboot's start_info memmap) and for the 16-bit entry (qboot's INT 15h E820, the same table). QEMU writes
/// <c>etc/e820</c> (hw/i386/microvm.c microvm_memory_init: <c>e820_add_entry(0, below_4g_mem_size, E820_RAM)</c> and the
/// RAM above 4 GiB); qboot (fw_cfg.c extract_e820) puts its own four entries first (low RAM to 639 KiB, the 1 KiB EBDA,
/// 128 KiB of ACPI NVS at 0xD0000 for its tables, the 64 KiB F-segment), then QEMU's with 1 MiB taken off the entry at 0.
/// Checked entry for entry against <c>boot_params.e820_table</c> read with QEMU's gdbstub at <c>start_kernel</c> with
/// 512 MiB. Left out on purpose: qboot's table there ends with an all-zero entry (address, size and type 0), which the
/// kernel keeps in boot_params and drops when it sanitizes the table (arch/x86/kernel/e820.c e820__update_table skips
/// empty entries); the harness's PVH and e820 contracts refuse empty entries, so this map stops before it.
/// </summary>
public static class QemuMicrovmMemoryMap
{
    /// <summary>qboot's low RAM: 639 KiB.</summary>
    public const ulong LowRamEnd = 0x9_FC00;
    /// <summary>qboot's ACPI NVS range for its tables: 0xD0000, 128 KiB (E820 type 4).</summary>
    public const ulong AcpiNvs = 0xD_0000;

    private const ulong OneMiB = 0x10_0000;

    /// <summary>The map for <paramref name="memory"/>'s RAM, in qboot's order.</summary>
    public static IReadOnlyList<MemoryMapEntry> For(GuestMemory memory)
    {
        var entries = new List<MemoryMapEntry>
        {
            new(0, LowRamEnd, MemoryType.Ram),
            new(LowRamEnd, 0x400, MemoryType.Reserved),
            new(AcpiNvs, 0x2_0000, MemoryType.Nvs),
            new(0xF_0000, 0x1_0000, MemoryType.Reserved),
        };
        foreach (var region in memory.Regions)
        {
            var start = Math.Max(region.Start, OneMiB);
            if (start < region.End)
                entries.Add(new MemoryMapEntry(start, region.End - start, MemoryType.Ram));
        }
        return entries;
    }
}
