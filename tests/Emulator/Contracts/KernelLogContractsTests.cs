using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Contracts;

/// <summary>
/// The kernel-log contracts on a PVH guest set up as Firecracker does (1 GiB, a 2 KiB initrd), judged on console
/// text. The passing log is what Debian's 6.1 cloud kernel printed for exactly this setup in our engine.
/// </summary>
[TestFixture]
public sealed class KernelLogContractsTests
{
    private const string CommandLine = "console=ttyS0 panic=-1";

    private static readonly string[] RealLog =
    [
        "[    0.000000] Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3",
        $"[    0.000000] Command line: {CommandLine}",
        "[    0.000000] BIOS-provided physical RAM map:",
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
        "[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved",
        "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable",
        "[    0.000000] BIOS-e820: [mem 0x00000000eec00000-0x00000000febfffff] reserved",
        "[    0.000000] DMI not present or invalid.",
        "[    0.010280] RAMDISK: [mem 0x3ffff000-0x3fffffff]",
        "[    0.010399] ACPI: Early table checksum verification disabled",
        "[    0.010492] ACPI: RSDP 0x00000000000E0000 000024 (v02 FIRECK)",
        "[    0.010585] ACPI: XSDT 0x00000000000A00A7 00003C (v01 FIRECK FCMVXSDT 00000000 FCAT 20240119)",
        "[    0.010716] ACPI: FACP 0x000000000009FF17 000114 (v06 FIRECK FCVMFADT 00000000 FCAT 20240119)",
        "[    0.010863] ACPI: DSDT 0x000000000009FD30 0001E7 (v02 FIRECK FCVMDSDT 00000000 FCAT 20240119)",
        "[    0.010991] ACPI: APIC 0x00000000000A002B 000040 (v06 FIRECK FCVMMADT 00000000 FCAT 20240119)",
        "[    0.011119] ACPI: MCFG 0x00000000000A006B 00003C (v01 FIRECK FCMVMCFG 00000000 FCAT 20240119)",
        "[    0.011233] ACPI: Reserving FACP table memory at [mem 0x9ff17-0xa002a]",
        // Debian's generic 6.12 kernel (CONFIG_X86_MPPARSE) on Firecracker's MP table and our I/O APIC.
        "[    0.001106] found SMP MP-table at [mem 0x0009fc00-0x0009fc0f]",
        "[    0.066747] IOAPIC[0]: apic_id 2, version 17, address 0xfec00000, GSI 0-23",
    ];

    private GuestMemory _memory = null!;
    private BootCase _boot = null!;

    [SetUp]
    public void Create_the_guest()
    {
        var profile = VmmProfiles.Firecracker;
        _memory = profile.CreateMemory(1UL << 30);
        var guest = GuestSetup.Run(_memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0000 })),
            Protocol = BootProtocol.Pvh,
            CommandLine = CommandLine,
            Initrd = new byte[0x800],
        }));
        // A vCPU with the local APIC the MADT lists (CPUID.01H:EDX bit 9), so the profile's ACPI tables are written.
        var cpu = new X86Cpu(_memory);
        cpu.CpuId.Set(1, cpu.CpuId.Query(1, 0) with { Edx = cpu.CpuId.Query(1, 0).Edx | (1u << 9) });
        VcpuSetup.Apply(cpu, guest, profile);
        _boot = new BootCase(cpu, guest, profile) { Run = new RunResult(StopReason.Halt, 0, 1, null) };
    }

    [TearDown]
    public void Dispose_the_guest() => _memory.Dispose();

    private Dictionary<string, ContractVerdict> Judge(IEnumerable<string> log)
    {
        _boot.Console = string.Join('\n', log) + "\n";
        return KernelLogContracts.X86.ToDictionary(c => c.Id, c => c.Evaluate(_boot).Verdict);
    }

    [Test]
    public void The_kernels_own_log_of_this_setup_passes_every_contract() =>
        Judge(RealLog).Values.ShouldAllBe(v => v == ContractVerdict.Pass);

    [Test]
    public void Another_command_line_fails() =>
        Judge(RealLog.Select(l => l.Replace("panic=-1", "panic=1")))["x86.log.command-line"].ShouldBe(ContractVerdict.Fail);

    [Test]
    public void A_missing_or_changed_e820_entry_fails()
    {
        Judge(RealLog.Where(l => !l.Contains("eec00000")))["x86.log.e820"].ShouldBe(ContractVerdict.Fail);
        Judge(RealLog.Select(l => l.Replace("3fffffff] usable", "3fffffff] reserved")))["x86.log.e820"].ShouldBe(ContractVerdict.Fail);
    }

    [Test]
    public void A_ramdisk_elsewhere_fails() =>
        Judge(RealLog.Select(l => l.Replace("RAMDISK: [mem 0x3ffff000", "RAMDISK: [mem 0x3fffe000")))["x86.log.ramdisk"].ShouldBe(ContractVerdict.Fail);

    [Test]
    public void The_acpi_tables_the_kernel_lists_are_the_ones_firecracker_wrote()
    {
        var tables = new KernelLog(string.Join('\n', RealLog)).AcpiTables();

        // tbprint.c acpi_tb_print_table_header: signature, address, length, revision, OEM ID; "RSDP" for the RSDP.
        tables.Count.ShouldBe(6);
        tables[0].ShouldBe(("RSDP", 0xE_0000UL, 0x24u, 2, "FIRECK"));
        tables[2].ShouldBe(("FACP", 0x9_FF17UL, 0x114u, 6, "FIRECK"));
        _boot.Console = string.Join('\n', RealLog);
        KernelLogContracts.X86.Single(c => c.Id == "x86.log.acpi-tables").Evaluate(_boot).Detail.ShouldBe(
            "DSDT 0x9fd30 +0x1e7 v2 FIRECK, FACP 0x9ff17 +0x114 v6 FIRECK, APIC 0xa002b +0x40 v6 FIRECK, "
            + "MCFG 0xa006b +0x3c v1 FIRECK, XSDT 0xa00a7 +0x3c v1 FIRECK, RSDP 0xe0000 +0x24 v2 FIRECK");
    }

    [Test]
    public void Where_no_tables_were_written_a_listed_table_fails()
    {
        var profile = VmmProfiles.Spec;
        using var memory = profile.CreateMemory(1UL << 30);
        var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0000 })),
            Protocol = BootProtocol.Pvh,
            CommandLine = CommandLine,
        }));
        var boot = new BootCase(VcpuSetup.Create(memory, guest, profile), guest, profile) { Run = new RunResult(StopReason.Halt, 0, 1, null) };
        var contract = KernelLogContracts.X86.Single(c => c.Id == "x86.log.acpi-tables");

        boot.Console = string.Join('\n', RealLog.Where(l => !l.Contains("ACPI:")));
        contract.Evaluate(boot).Verdict.ShouldBe(ContractVerdict.NotApplicable);
        boot.Console = string.Join('\n', RealLog);
        contract.Evaluate(boot).Verdict.ShouldBe(ContractVerdict.Fail);
    }

    [Test]
    public void An_acpi_table_listed_elsewhere_or_missing_fails()
    {
        Judge(RealLog.Select(l => l.Replace("APIC 0x00000000000A002B", "APIC 0x00000000000A002C")))["x86.log.acpi-tables"].ShouldBe(ContractVerdict.Fail);
        Judge(RealLog.Select(l => l.Replace("MCFG 0x00000000000A006B 00003C", "MCFG 0x00000000000A006B 00003D")))["x86.log.acpi-tables"].ShouldBe(ContractVerdict.Fail);
        Judge(RealLog.Where(l => !l.Contains("ACPI: MCFG")))["x86.log.acpi-tables"].ShouldBe(ContractVerdict.Fail);
        Judge(RealLog.Select(l => l.Replace("(v02 FIRECK)", "(v02 BOCHS )")))["x86.log.acpi-tables"].ShouldBe(ContractVerdict.Fail);
        // Before the kernel got as far as its RSDP there is nothing to compare yet.
        Judge(RealLog.Where(l => !l.Contains("ACPI:")))["x86.log.acpi-tables"].ShouldBe(ContractVerdict.NotApplicable);
    }
    public void An_mp_table_found_elsewhere_fails() =>
        Judge(RealLog.Select(l => l.Replace("0x0009fc00-0x0009fc0f", "0x000f0000-0x000f000f")))["x86.log.mp-table"].ShouldBe(ContractVerdict.Fail);

    [Test]
    public void A_kernel_without_the_mp_parser_leaves_the_mp_table_unjudged() =>
        Judge(RealLog.Where(l => !l.Contains("MP-table")))["x86.log.mp-table"].ShouldBe(ContractVerdict.NotApplicable);

    [TestCase("version 17, address 0xfec01000, GSI 0-23")]
    [TestCase("version 32, address 0xfec00000, GSI 0-23")]
    [TestCase("version 17, address 0xfec00000, GSI 0-15")]
    public void An_io_apic_unlike_ours_fails(string registered) =>
        Judge(RealLog.Select(l => l.Replace("version 17, address 0xfec00000, GSI 0-23", registered)))["x86.log.ioapic"].ShouldBe(ContractVerdict.Fail);

    [TestCase("[    1.000000] WARNING: CPU: 0 PID: 1 at kernel/fork.c:42 copy_process+0x1/0x2")]
    [TestCase("[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000")]
    [TestCase("[    1.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)")]
    public void A_reported_fault_fails(string line) =>
        Judge([.. RealLog, line])["x86.log.no-faults"].ShouldBe(ContractVerdict.Fail);

    [TestCase("[    2.512235] ACPI Error: Aborting method \\_SB.LNKA._CRS due to previous error (AE_ERROR) (20220331/psparse-543)")]
    [TestCase("[    0.100000] ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0], AE_NOT_FOUND (20220331/dswload2-162)")]
    [TestCase("[    0.100000] ACPI Exception: AE_NOT_FOUND, During name lookup/catalog (20220331/psobject-220)")]
    public void An_acpi_error_fails(string line) =>
        Judge([.. RealLog, line])["x86.log.acpi-errors"].ShouldBe(ContractVerdict.Fail);

    [Test]
    public void A_log_without_acpi_errors_passes() =>
        Judge(RealLog)["x86.log.acpi-errors"].ShouldBe(ContractVerdict.Pass);

    [Test]
    public void Smbios_found_though_the_profile_writes_none_fails() =>
        Judge(RealLog.Select(l => l.Replace("DMI not present or invalid.", "SMBIOS 3.2.0 present.")))["x86.log.smbios"].ShouldBe(ContractVerdict.Fail);

    [Test]
    public void A_log_before_the_dmi_scan_leaves_smbios_unjudged() =>
        Judge(RealLog.Where(l => !l.Contains("DMI")))["x86.log.smbios"].ShouldBe(ContractVerdict.NotApplicable);

    [TestCase("ram_ranges=2", ContractVerdict.Pass)]
    [TestCase("ram_ranges=3", ContractVerdict.Fail)]
    public void Our_inits_line_counts_the_usable_ranges_the_kernel_keeps(string ranges, ContractVerdict expected)
    {
        // Firecracker's e820: RAM [0, 0x9FC00) and [1 MiB, 1 GiB); trim_bios_range reserves page 0, leaving two ranges.
        _boot.Console = string.Join('\n', RealLog) + $"\nLOADERHARNESS-INIT v=1 arch=x86_64 pid=1 proc=0 memtotal_kb=990000 {ranges} cmdline=\"{CommandLine}\"\n";
        var result = InitReportContracts.X86.Single().Evaluate(_boot);
        result.Verdict.ShouldBe(expected, result.Detail);
    }

    [Test]
    public void Without_a_linux_banner_nothing_applies() =>
        Judge(RealLog.Skip(1)).Values.ShouldAllBe(v => v == ContractVerdict.NotApplicable);

    [Test]
    public void Sanitize_lets_the_highest_type_win_and_merges_neighbours()
    {
        // e820__update_table: Firecracker's reserved [0x9fc00, 0xe0000) and PVH's ISA hole [0xa0000, 0x100000) overlap;
        // RAM under a reserved range loses.
        var sanitized = KernelLog.Sanitize(
        [
            new MemoryMapEntry(0, 0xA_0000, MemoryType.Ram),
            new MemoryMapEntry(0x9_FC00, 0x4_0400, MemoryType.Reserved),
            new MemoryMapEntry(0xA_0000, 0x6_0000, MemoryType.Reserved),
            new MemoryMapEntry(0x10_0000, 0x10_0000, MemoryType.Ram),
            new MemoryMapEntry(0x20_0000, 0, MemoryType.Acpi),
        ]);
        sanitized.ShouldBe(
        [
            new MemoryMapEntry(0, 0x9_FC00, MemoryType.Ram),
            new MemoryMapEntry(0x9_FC00, 0x6_0400, MemoryType.Reserved),
            new MemoryMapEntry(0x10_0000, 0x10_0000, MemoryType.Ram),
        ]);
    }
}
