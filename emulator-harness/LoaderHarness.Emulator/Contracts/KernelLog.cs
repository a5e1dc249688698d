using System.Globalization;
using System.Text.RegularExpressions;
using LoaderHarness.Loader.Boot.MemoryMap;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// The kernel's own console log, read as evidence: the lines in which it states what it accepted (its command
/// line, the e820 map, where it found the initrd) and the lines that mean something went wrong. Printk's
/// timestamp prefix (<c>[    0.000000] </c>) is dropped.
/// </summary>
public sealed partial class KernelLog
{
    private readonly string[] _lines;

    /// <summary>Splits a console transcript into lines without their printk timestamps.</summary>
    public KernelLog(string console) =>
        _lines = console.Split('\n').Select(l => Timestamp().Replace(l.TrimEnd('\r'), "")).ToArray();

    /// <summary>Whether this is a Linux kernel's log (its banner, init/version.c linux_banner, is there).</summary>
    public bool IsLinux => _lines.Any(l => l.StartsWith("Linux version ", StringComparison.Ordinal));

    /// <summary>The text after the first line that starts with <paramref name="prefix"/>, or null.</summary>
    public string? After(string prefix) =>
        _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line ? line[prefix.Length..] : null;

    /// <summary>
    /// The "BIOS-e820: [mem start-end] type" lines e820__print_table (arch/x86/kernel/e820.c) prints for the
    /// firmware map, as entries; the end it prints is inclusive.
    /// </summary>
    public IReadOnlyList<MemoryMapEntry> BiosE820() =>
        _lines.Select(l => E820Line().Match(l)).Where(m => m.Success).Select(m =>
        {
            var start = ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var last = ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return new MemoryMapEntry(start, last - start + 1, TypeOf(m.Groups[3].Value));
        }).ToArray();

    /// <summary>
    /// "RAMDISK: [mem start-end]" from reserve_initrd (arch/x86/kernel/setup.c): the initrd as the kernel found it,
    /// its end page-aligned up and printed inclusive. Null when the kernel printed none.
    /// </summary>
    public (ulong Start, ulong Last)? Ramdisk() =>
        _lines.Select(l => RamdiskLine().Match(l)).FirstOrDefault(m => m.Success) is { } m
            ? (ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
               ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : null;

    /// <summary>Whether some line starts with <paramref name="prefix"/>.</summary>
    public bool Has(string prefix) => _lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// The "  node %3d: [mem %#018Lx-%#018Lx]" lines free_area_init prints under "Early memory node ranges"
    /// (mm/page_alloc.c in 6.1, mm/mm_init.c in 6.12): each memblock memory region, page-trimmed, its end inclusive.
    /// </summary>
    public IReadOnlyList<(ulong Start, ulong Last)> MemoryNodeRanges() =>
        _lines.Select(l => NodeRangeLine().Match(l)).Where(m => m.Success).Select(m => (Hex(m.Groups[1].Value), Hex(m.Groups[2].Value))).ToArray();

    /// <summary>
    /// The MMIO form of earlycon_print_info's line (drivers/tty/serial/earlycon.c: "%s%d at MMIO%s %pa (options '%s')",
    /// after the "earlycon: " pr_fmt prefix): the console's name and index, and the UART's physical address. Null
    /// when no earlycon registered at an MMIO address.
    /// </summary>
    public (string Name, ulong Address)? Earlycon() =>
        _lines.Select(l => EarlyconLine().Match(l)).FirstOrDefault(m => m.Success) is { } m ? (m.Groups[1].Value, Hex(m.Groups[2].Value)) : null;

    /// <summary>
    /// The kilobytes free_reserved_area (mm/page_alloc.c) reports as "Freeing initrd memory: %ldK" when
    /// free_initrd_mem hands the initrd's whole pages back; null when it printed none (no whole page to free).
    /// </summary>
    public long? InitrdFreedKb() =>
        _lines.Select(l => InitrdFreedLine().Match(l)).FirstOrDefault(m => m.Success) is { } m
            ? long.Parse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// The ACPI tables the kernel lists as it loads them, from acpi_tb_print_table_header
    /// (drivers/acpi/acpica/tbprint.c): "ACPI: RSDP 0x00000000000E0000 000024 (v02 FIRECK)" for the RSDP,
    /// "ACPI: XSDT 0x… 00003C (v01 FIRECK FCMVXSDT 00000000 FCAT 20240119)" for the others. Each is the signature
    /// ("RSDP" for the RSDP), the physical address, the length, the revision and the OEM ID.
    /// </summary>
    public IReadOnlyList<(string Signature, ulong Address, uint Length, int Revision, string OemId)> AcpiTables() =>
        _lines.Select(l => AcpiTableLine().Match(l)).Where(m => m.Success).Select(m => (
            m.Groups[1].Value,
            ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            uint.Parse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture),
            m.Groups[5].Value)).ToArray();

    /// <summary>
    /// The SMBIOS version drivers/firmware/dmi_scan.c found ("SMBIOS 3.2.0 present." from dmi_smbios3_present, "SMBIOS
    /// 2.8 present." from dmi_present), "none" when it printed "DMI not present or invalid.", null when it printed neither.
    /// </summary>
    public string? Smbios() =>
        _lines.Select(l => SmbiosLine().Match(l)).FirstOrDefault(m => m.Success) is { } m ? m.Groups[1].Value
        : _lines.Contains("DMI not present or invalid.") ? "none"
        : null;

    /// <summary>
    /// "found SMP MP-table at [mem start-end]" from smp_scan_config (arch/x86/kernel/mpparse.c): the MP floating
    /// pointer the kernel found, its 16 bytes printed inclusive. Null when it printed none (no table, or a kernel
    /// built without CONFIG_X86_MPPARSE).
    /// </summary>
    public (ulong Start, ulong Last)? MpTable() =>
        _lines.Select(l => MpTableLine().Match(l)).FirstOrDefault(m => m.Success) is { } m
            ? (ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
               ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : null;

    /// <summary>
    /// The first I/O APIC mp_register_ioapic (arch/x86/kernel/apic/io_apic.c) registered: "IOAPIC[0]: apic_id N,
    /// version V, address 0xA, GSI F-L" with the version and entry count it read from IOAPICVER. Null when none.
    /// </summary>
    public (uint Version, ulong Address, uint FirstGsi, uint LastGsi)? IoApic() =>
        _lines.Select(l => IoApicLine().Match(l)).FirstOrDefault(m => m.Success) is { } m
            ? (uint.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
               ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
               uint.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), uint.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture))
            : null;

    /// <summary>
    /// Lines that report a kernel fault: WARN (kernel/panic.c __warn, "WARNING:"), BUG (lib/bug.c,
    /// "kernel BUG at"), an oops (arch/*/kernel/traps.c, "Oops") and panic ("Kernel panic - not syncing").
    /// </summary>
    public IReadOnlyList<string> Faults() =>
        _lines.Where(l => l.StartsWith("WARNING:", StringComparison.Ordinal) || l.Contains("BUG:", StringComparison.Ordinal)
            || l.Contains("kernel BUG at", StringComparison.Ordinal) || l.StartsWith("Oops", StringComparison.Ordinal)
            || l.Contains("Internal error: Oops", StringComparison.Ordinal) || l.StartsWith("Kernel panic", StringComparison.Ordinal)).ToArray();

    /// <summary>
    /// Lines ACPICA prints for an error: "ACPI Error: ", "ACPI Exception: " and "ACPI BIOS Error (bug): "
    /// (include/acpi/acoutput.h ACPI_MSG_ERROR, ACPI_MSG_EXCEPTION, ACPI_MSG_BIOS_ERROR). Warnings, which ACPICA
    /// prints for table quirks it works around, are left out.
    /// </summary>
    public IReadOnlyList<string> AcpiErrors() =>
        _lines.Where(l => l.StartsWith("ACPI Error", StringComparison.Ordinal) || l.StartsWith("ACPI Exception", StringComparison.Ordinal)
            || l.StartsWith("ACPI BIOS Error", StringComparison.Ordinal)).ToArray();

    /// <summary>
    /// What e820__update_table (arch/x86/kernel/e820.c) makes of a firmware map before printing it: where entries
    /// overlap the highest type wins, adjacent ranges of one type merge, and empty ones go.
    /// </summary>
    public static IReadOnlyList<MemoryMapEntry> Sanitize(IEnumerable<MemoryMapEntry> entries)
    {
        var list = entries.Where(e => e.Size > 0).ToArray();
        var points = list.SelectMany(e => new[] { e.Address, e.End }).Distinct().Order().ToArray();
        var result = new List<MemoryMapEntry>();
        for (var i = 0; i + 1 < points.Length; i++)
        {
            var (start, end) = (points[i], points[i + 1]);
            var covering = list.Where(e => e.Address <= start && end <= e.End).ToArray();
            if (covering.Length == 0)
                continue;
            var type = covering.Max(e => e.Type);
            if (result.Count > 0 && result[^1].End == start && result[^1].Type == type)
                result[^1] = result[^1] with { Size = end - result[^1].Address };
            else
                result.Add(new MemoryMapEntry(start, end - start, type));
        }
        return result;
    }

    private static ulong Hex(string digits) => ulong.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>e820_print_type's words for the types a loader writes.</summary>
    private static MemoryType TypeOf(string word) => word switch
    {
        "usable" => MemoryType.Ram,
        "reserved" => MemoryType.Reserved,
        "ACPI data" => MemoryType.Acpi,
        "ACPI NVS" => MemoryType.Nvs,
        "unusable" => MemoryType.Unusable,
        _ when word.StartsWith("persistent", StringComparison.Ordinal) => MemoryType.PersistentMemory,
        _ => (MemoryType)uint.MaxValue,
    };

    [GeneratedRegex(@"^\[\s*\d+\.\d+\] ")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^SMBIOS (\d+\.\d+(?:\.\d+)?) present\.$")]
    private static partial Regex SmbiosLine();

    [GeneratedRegex(@"^BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (.+)$")]
    private static partial Regex E820Line();

    // tbprint.c: "%-4.4s 0x%8.8X%8.8X %06X (v%.2d %-6.6s" after the "ACPI: " prefix of ACPI_INFO.
    [GeneratedRegex(@"^ACPI: (\S{4}) 0x([0-9A-F]{16}) ([0-9A-F]{6}) \(v(\d{2}) (.{6})")]
    private static partial Regex AcpiTableLine();

    [GeneratedRegex(@"^\s+node\s+\d+: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]$")]
    private static partial Regex NodeRangeLine();

    [GeneratedRegex(@"^earlycon: (\S+) at MMIO\S* 0x([0-9a-f]+) \(options '.*'\)$")]
    private static partial Regex EarlyconLine();

    [GeneratedRegex(@"^Freeing initrd memory: (\d+)K$")]
    private static partial Regex InitrdFreedLine();

    [GeneratedRegex(@"^RAMDISK: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]")]
    private static partial Regex RamdiskLine();

    [GeneratedRegex(@"^found SMP MP-table at \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]")]
    private static partial Regex MpTableLine();

    [GeneratedRegex(@"^IOAPIC\[0\]: apic_id \d+, version (\d+), address 0x([0-9a-f]+), GSI (\d+)-(\d+)")]
    private static partial Regex IoApicLine();
}
