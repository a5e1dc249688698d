using LoaderHarness.Emulator.Devices.Apic;
using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Contracts on the kernel's own log: what it says it accepted must be what we loaded, and it must report no
/// fault. They apply only to a Linux kernel's log (the fixture stubs print their own checks instead).
/// </summary>
public static class KernelLogContracts
{
    /// <summary>The x86 log contracts.</summary>
    public static IReadOnlyList<Contract> X86 { get; } =
    [
        Log("x86.log.command-line", "the kernel's \"Command line:\" is the command line the loader wrote",
            "arch/x86/kernel/setup.c setup_arch (prints boot_command_line)",
            (b, log) => log.After("Command line: ") is { } line ? Same(b.Guest.CommandLine, line) : Skip("no \"Command line:\" line yet")),
        Log("x86.log.e820", "the \"BIOS-e820:\" map the kernel prints is ours, entry for entry, once sanitized as the kernel does",
            "arch/x86/kernel/e820.c e820__memory_setup_default, e820__update_table, e820__print_table; arch/x86/platform/pvh/enlighten.c (ISA hole)",
            (b, log) => log.BiosE820() is { Count: > 0 } printed
                ? Same(Format(KernelLog.Sanitize(X86ReadbackContracts.HandedE820(b))), Format(printed))
                : Skip("no \"BIOS-e820:\" lines yet")),
        Log("x86.log.ramdisk", "\"RAMDISK: [mem …]\" is where the loader put the initrd, its end page-aligned",
            "arch/x86/kernel/setup.c reserve_initrd (ramdisk_end = PAGE_ALIGN(ramdisk_image + ramdisk_size))",
            (b, log) => (b.Guest.Initrd, log.Ramdisk()) switch
            {
                (null, null) => Skip("no initrd loaded, none reported"),
                (null, { } found) => Fail($"the kernel reports a ramdisk at 0x{found.Start:x} though none was loaded"),
                ({ } initrd, null) => Skip($"initrd at 0x{initrd.Address:x} not reported yet"),
                ({ } initrd, { } found) => Same(Range(initrd.Address, PageAlignedLast(initrd)), Range(found.Start, found.Last)),
            }),
        Log("x86.log.acpi-tables", "the ACPI tables the kernel lists (signature, address, length, OEM ID) are the ones the VMM profile wrote",
            "drivers/acpi/acpica/tbprint.c acpi_tb_print_table_header; tbxfroot.c acpi_find_root_pointer; tbutils.c acpi_tb_parse_root_table",
            (b, log) => (b.Profile.X86?.AcpiFor(b.Memory) is { } acpi && acpi.IsWrittenIn(b.Memory) ? acpi : null, log.AcpiTables()) switch
            {
                (null, { Count: 0 }) => Skip("no ACPI tables written and the kernel lists none"),
                (null, { } listed) => Fail($"the kernel lists ACPI tables though none were written: {FormatAcpi(listed)}"),
                (_, { Count: 0 }) => Skip("no \"ACPI: RSDP\" line yet"),
                ({ } written, { } listed) => Same(
                    // tbprint.c prints the FACS without a revision or OEM ID ("ACPI: FACS 0x… 000040"), so it is not compared.
                    FormatAcpi(written.Tables.Where(t => t.Signature != "FACS").Select(t => (t.IsRsdp ? "RSDP" : t.Signature, t.Address, (uint)t.Length, (int)t.Revision, t.OemId))),
                    FormatAcpi(listed)),
            }),
        Log("x86.log.mp-table", "the MP floating pointer the kernel found is where the profile's VMM writes its MP table",
            "arch/x86/kernel/mpparse.c smp_scan_config; Firecracker src/vmm/src/arch/x86_64/mptable.rs, Cloud Hypervisor arch/src/x86_64/mptable.rs",
            (b, log) => (b.Profile.X86?.MpTable, log.MpTable()) switch
            {
                (null, null) => Skip("the profile writes no MP table, none found"),
                (null, { } found) => Fail($"the kernel found an MP table at 0x{found.Start:x} though the profile writes none"),
                ({ } table, null) => Skip($"MP table at 0x{table.Address:x} not reported (no CONFIG_X86_MPPARSE, or not yet)"),
                ({ } table, { } found) => Same(Range(table.Address, table.Address + MpTableWriter.FloatingPointerSize - 1), Range(found.Start, found.Last)),
            }),
        Log("x86.log.smbios", "the SMBIOS entry point the kernel found announces the version the profile's VMM wrote, or none when it writes none",
            "drivers/firmware/dmi_scan.c dmi_scan_machine, dmi_smbios3_present, dmi_present; Cloud Hypervisor arch/src/x86_64/smbios.rs, crosvm x86_64/src/smbios.rs, QEMU hw/smbios/smbios.c",
            (b, log) => (b.Profile.X86?.Smbios?.Invoke(b.Memory, default).Version, log.Smbios()) switch
            {
                (_, null) => Skip("no SMBIOS or DMI line yet"),
                (null, var found) => found == "none" ? Pass("none written, none found") : Fail($"SMBIOS {found} found though the profile writes none"),
                ({ } v, var found) => Same(v.DocRev == 0 && v.Major < 3 ? $"{v.Major}.{v.Minor}" : $"{v.Major}.{v.Minor}.{v.DocRev}", found),
            }),
        Log("x86.log.ioapic", "the I/O APIC the kernel registered is ours: its version, address and GSI range",
            "arch/x86/kernel/apic/io_apic.c mp_register_ioapic (reads IOAPICVER); 82093AA datasheet §3.2.2",
            (b, log) => log.IoApic() is { } found
                ? Same($"version {b.Profile.X86?.IoApicVersion ?? IoApic.KvmVersion}, address 0x{ApicAddresses.IoApicBase:x}, GSI 0-{IoApic.Pins - 1}",
                    $"version {found.Version}, address 0x{found.Address:x}, GSI {found.FirstGsi}-{found.LastGsi}")
                : Skip("no I/O APIC registered (no MP table or MADT parsed)")),
        Log("x86.log.acpi-errors", "the kernel's ACPI interpreter reported no error in the profile's tables or in what their AML reads",
            "include/acpi/acoutput.h ACPI_MSG_ERROR, ACPI_MSG_EXCEPTION, ACPI_MSG_BIOS_ERROR (utxferror.c acpi_error, acpi_exception, acpi_bios_error)",
            (_, log) => log.AcpiErrors() is { Count: > 0 } errors ? Fail(string.Join(" | ", errors.Take(3))) : Pass("none")),
        NoFaults("x86.log.no-faults"),
    ];

    /// <summary>The arm64 log contracts.</summary>
    public static IReadOnlyList<Contract> Arm64 { get; } =
    [
        Log("arm64.log.command-line", "the kernel's \"Kernel command line:\" is the /chosen/bootargs the loader wrote",
            "init/main.c start_kernel (prints saved_command_line); drivers/of/fdt.c early_init_dt_scan_chosen",
            (b, log) => log.After("Kernel command line: ") is { } line ? Same(b.Guest.CommandLine, line) : Skip("no \"Kernel command line:\" line yet")),
        Log("arm64.log.memory", "the \"Early memory node ranges\" the kernel prints are the DTB's /memory banks, merged and page-trimmed",
            "mm/page_alloc.c (6.1) / mm/mm_init.c (6.12) free_area_init (\"  node %3d: [mem %#018Lx-%#018Lx]\"); drivers/of/fdt.c early_init_dt_scan_memory; mm/memblock.c memblock_add",
            (b, log) => log.MemoryNodeRanges() is { Count: > 0 } printed
                ? Same(string.Join(", ", DtbFacts.Memory(b).Select(PageTrimmed)), string.Join(", ", printed.Select(r => NodeRange(r.Start, r.Last))))
                : Skip("no \"Early memory node ranges\" yet")),
        Log("arm64.log.initrd", "the kernel unpacks the initrd the DTB's linux,initrd-start/end point at, and frees its whole pages",
            "init/initramfs.c do_populate_rootfs (\"Trying to unpack rootfs image as initramfs...\", \"Initramfs unpacking failed\"), free_initrd_mem; mm/page_alloc.c free_reserved_area (\"Freeing %s memory: %ldK\")",
            Initrd),
        Log("arm64.log.earlycon", "with \"earlycon\" on the command line, the kernel's early console is the DTB's PL011",
            "drivers/tty/serial/earlycon.c earlycon_print_info (\"%s%d at MMIO%s %pa (options '%s')\"), param_setup_earlycon; drivers/tty/serial/amba-pl011.c (pl011 earlycon)",
            (b, log) => (HasEarlycon(b.Guest.CommandLine), log.Earlycon(), DtbFacts.Pl011(b)) switch
            {
                (false, null, _) => Skip("no earlycon on the command line"),
                (_, { } found, null) => Fail($"earlycon {found.Name} at 0x{found.Address:x}, but the DTB has no PL011"),
                (_, { } found, { } uart) => Same($"0x{uart:x}", $"0x{found.Address:x}"),
                (true, null, _) => Fail("\"earlycon\" is on the command line but the kernel registered no MMIO early console"),
            }),
        NoFaults("arm64.log.no-faults"),
    ];

    private static Contract NoFaults(string id) =>
        Log(id, "the kernel reported no WARNING, BUG, Oops or panic before the run ended",
            "kernel/panic.c __warn and panic; lib/bug.c report_bug; arch/x86/kernel/dumpstack.c, arch/arm64/kernel/traps.c die",
            (_, log) => log.Faults() is { Count: > 0 } faults ? Fail(string.Join(" | ", faults.Take(3))) : Pass("none"));

    private static Contract Log(string id, string description, string source, Func<BootCase, KernelLog, (ContractVerdict, string)> check) =>
        new(id, description, source, ContractPhase.AfterRun, ContractSeverity.Required, b =>
        {
            if (b.Run is null)
                return Skip("not run");
            var log = new KernelLog(b.Console);
            return log.IsLinux ? check(b, log) : Skip("no Linux banner on the console");
        });

    /// <summary>ACPI tables as one line, sorted by address (the kernel lists the DSDT after the FADT that points to it).</summary>
    private static string FormatAcpi(IEnumerable<(string Signature, ulong Address, uint Length, int Revision, string OemId)> tables) =>
        string.Join(", ", tables.OrderBy(t => t.Address).Select(t => $"{t.Signature} 0x{t.Address:x} +0x{t.Length:x} v{t.Revision} {t.OemId}"));

    /// <summary>
    /// arm64.log.initrd. The arm64 kernel prints no address for the initrd (arch/arm64/mm/init.c arm64_memblock_init
    /// reserves it silently, or warns when it is outside the linear map); what it prints is that it unpacked one and,
    /// once /init is about to run, how many whole pages of it free_reserved_area gave back: the pages between the
    /// start rounded up and the end rounded down, none when the initrd spans no whole page.
    /// </summary>
    private static (ContractVerdict, string) Initrd(BootCase b, KernelLog log)
    {
        const string unpacking = "Trying to unpack rootfs image as initramfs...";
        var unpacked = log.Has(unpacking);
        if (b.Guest.Initrd is not { } initrd)
            return unpacked ? Fail("the kernel unpacks an initrd though none was loaded") : Skip("no initrd loaded, none unpacked");
        if (!unpacked)
            return Skip($"initrd at 0x{initrd.Address:x} not unpacked yet");
        if (log.After("Initramfs unpacking failed: ") is { } why)
            return Fail($"Initramfs unpacking failed: {why}");
        var wholePages = ((initrd.Address + initrd.Size) & ~0xFFFUL) > ((initrd.Address + 0xFFF) & ~0xFFFUL)
            ? (long)((((initrd.Address + initrd.Size) & ~0xFFFUL) - ((initrd.Address + 0xFFF) & ~0xFFFUL)) >> 10)
            : 0;
        var freed = log.InitrdFreedKb();
        if (!log.Has("Run /init as init process") && freed is null)
            return Pass($"unpacked the initrd at [0x{initrd.Address:x}, +0x{initrd.Size:x}); not freed yet");
        return (freed ?? 0) == wholePages
            ? Pass($"unpacked the initrd at [0x{initrd.Address:x}, +0x{initrd.Size:x}), freed {wholePages}K")
            : Fail($"freed {freed ?? 0}K of the initrd at [0x{initrd.Address:x}, +0x{initrd.Size:x}) (expected {wholePages}K, its whole pages)");
    }

    /// <summary>Whether the command line has an <c>earlycon</c> parameter, bare or with a value (kernel-parameters.txt).</summary>
    private static bool HasEarlycon(string commandLine) =>
        commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(p => p == "earlycon" || p.StartsWith("earlycon=", StringComparison.Ordinal));

    /// <summary>A RAM bank as free_area_init prints it: whole pages only (memblock works in PFNs), its end inclusive.</summary>
    private static string PageTrimmed((ulong Address, ulong Size) bank) =>
        NodeRange((bank.Address + 0xFFF) & ~0xFFFUL, ((bank.Address + bank.Size) & ~0xFFFUL) - 1);

    /// <summary>A range in free_area_init's "%#018Lx" form.</summary>
    private static string NodeRange(ulong start, ulong last) => $"[mem 0x{start:x16}-0x{last:x16}]";

    private static ulong PageAlignedLast((ulong Address, ulong Size) initrd) => ((initrd.Address + initrd.Size + 0xFFF) & ~0xFFFUL) - 1;

    private static string Range(ulong start, ulong last) => $"[mem 0x{start:x}-0x{last:x}]";
}
