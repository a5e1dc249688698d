using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Emulator.Boot;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Debian's 6.1 cloud kernel boots under the microvm profile to /init, finds QEMU's microvm ACPI tables where qboot
/// leaves them (through hvm_start_info.rsdp_paddr under PVH; by scanning the BIOS area through the 16-bit entry), lists
/// each one at our address, and loads the DSDT without an ACPI error.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class QemuMicrovmAcpiRealKernelTests
{
    private const string Cmdline = "console=ttyS0 panic=-1";

    [TestCase(BootProtocol.Pvh)]
    [TestCase(BootProtocol.Linux16)]
    public void The_kernel_lists_qemus_microvm_tables_at_their_addresses(BootProtocol protocol)
    {
        var tables = QemuMicrovmAcpi.Build();
        var (report, _) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(protocol == BootProtocol.Pvh ? DebianBoot.Vmlinux : DebianBoot.BzImage),
            Protocol = protocol,
            Initrd = FixtureInitramfs.BuildX86_64(),
            CommandLine = Cmdline,
        }, VmmProfiles.Microvm, until: ConsoleMilestones.Init);

        report.Milestone.ShouldBe(ConsoleMilestones.Init, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        // tbprint.c acpi_tb_print_table_header: the RSDP, then the XSDT and the tables it lists, then the DSDT the FADT points at.
        var listed = new KernelLog(report.Console).AcpiTables();
        listed.Select(t => t.Signature).ShouldBe(["RSDP", "XSDT", "FACP", "DSDT", "APIC"]);
        // QEMU's OEM ID "BOCHS " keeps its trailing space (include/hw/acpi/aml-build.h ACPI_BUILD_APPNAME6).
        listed[0].ShouldBe(("RSDP", QemuMicrovmAcpi.RsdpAddress, 36u, 2, "BOCHS "));
        foreach (var (signature, address, length, revision, oemId) in listed.Skip(1))
        {
            var table = tables.Find(signature).ShouldNotBeNull();
            (address, length, revision, oemId).ShouldBe((table.Address, (uint)table.Length, (int)table.Revision, table.OemId), signature);
        }
        // acpi/boot.c acpi_parse_ioapic: both I/O APICs from the MADT, the second serving GSIs 24-47, each with the version
        // of QEMU's own I/O APIC (what live QEMU 7.2 -M microvm under TCG prints); the LINT1 NMI.
        report.Console.ShouldContain("IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23");
        report.Console.ShouldContain("IOAPIC[1]: apic_id 1, version 32, address 0xfec10000, GSI 24-47");
        report.Console.ShouldContain("ACPI: LAPIC_NMI (acpi_id[0xff] dfl dfl lint[0x1])");
        report.Console.ShouldContain("ACPI: Using ACPI (MADT) for SMP configuration information");
        // drivers/acpi/bus.c acpi_bus_init loaded the DSDT's AML; sleep.c found _S5_.
        report.Console.ShouldContain("ACPI: 1 ACPI AML tables successfully acquired and loaded");
        report.Console.ShouldContain("ACPI: PM: (supports S0 S5)");
        report.Console.ShouldNotContain("ACPI Error");
        report.Console.ShouldNotContain("ACPI BIOS Error");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.ioapic").Verdict.ShouldBe(ContractVerdict.Pass);
        report.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
        report.Contracts.Single(c => c.Contract.Id == "x86.log.no-faults").Verdict.ShouldBe(ContractVerdict.Pass);
    }

    /// <summary>
    /// qboot's MP table reaches a kernel that reads MP tables (Debian's generic 6.12 has CONFIG_X86_MPPARSE; the cloud
    /// kernels do not): with <c>acpi=off</c> it takes its processors and interrupt routing from it.
    /// </summary>
    [Test]
    public void With_acpi_off_a_kernel_with_mpparse_takes_qboots_mp_table()
    {
        var vmlinux = DebianKernelSet.Amd64Generic612.Vmlinux();
        var report = KernelBoot.Run(vmlinux, new KernelBootOptions
        {
            Profile = VmmProfiles.Microvm,
            Protocol = BootProtocol.Pvh,
            MemorySize = 1UL << 30,
            Symbols = KallsymsReader.Recover(vmlinux),
            CommandLine = Cmdline + " acpi=off",
            // init/main.c start_kernel ends in rest_init, after setup_arch read the MP table and console_init printed it.
            Until = "rest_init",
        });

        report.Milestone.ShouldBe("rest_init", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        // mpparse.c smp_scan_config finds the floating pointer at qboot's MPTABLE_START; smp_read_mpc prints its OEM ID.
        new KernelLog(report.Console).MpTable().ShouldBe((0x9_FC00UL, 0x9_FC0FUL));
        report.Console.ShouldContain("MPTABLE: OEM ID: QBOOT");
        report.Console.ShouldNotContain("MPTABLE: bad");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.mp-table").Verdict.ShouldBe(ContractVerdict.Pass);
    }
}
