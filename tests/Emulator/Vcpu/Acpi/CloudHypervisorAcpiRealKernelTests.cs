using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Emulator.Boot;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Debian's 6.1 cloud kernel boots under the cloud-hypervisor profile, finds Cloud Hypervisor's ACPI tables where
/// the vCPU setup wrote them (through hvm_start_info.rsdp_paddr under PVH, boot_params.acpi_rsdp_addr at the bzImage's
/// 32-bit entry, both RSDP_POINTER 0xA0000), lists each one, loads the DSDT's AML and reaches /init.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class CloudHypervisorAcpiRealKernelTests
{
    private const string Cmdline = "console=ttyS0 panic=-1";

    [TestCase(BootProtocol.Pvh)]
    [TestCase(BootProtocol.Linux32)]
    public void The_kernel_lists_cloud_hypervisors_acpi_and_smbios_tables_and_reaches_init(BootProtocol protocol)
    {
        var tables = CloudHypervisorAcpi.Build();
        var (report, _) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(protocol == BootProtocol.Pvh ? DebianBoot.Vmlinux : DebianBoot.BzImage),
            Protocol = protocol,
            Initrd = FixtureInitramfs.BuildX86_64(),
            CommandLine = Cmdline,
        }, VmmProfiles.CloudHypervisor, until: ConsoleMilestones.Init);

        report.Milestone.ShouldBe(ConsoleMilestones.Init, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        // tbprint.c acpi_tb_print_table_header: the RSDP, then the XSDT and the tables it lists, then the DSDT the FADT points at.
        var listed = new KernelLog(report.Console).AcpiTables();
        listed.Select(t => t.Signature).ShouldBe(["RSDP", "XSDT", "FACP", "DSDT", "APIC", "MCFG"]);
        listed[0].ShouldBe(("RSDP", CloudHypervisorAcpi.RsdpAddress, 36u, 2, "CLOUDH"));
        foreach (var (signature, address, length, revision, oemId) in listed.Skip(1))
        {
            var table = tables.Find(signature).ShouldNotBeNull();
            (address, length, revision, oemId).ShouldBe((table.Address, (uint)table.Length, (int)table.Revision, "CLOUDH"), signature);
        }
        // acpi/boot.c acpi_parse_madt_ioapic_entries, acpi_parse_int_src_ovr: the MADT's I/O APIC and override.
        report.Console.ShouldContain("ACPI: Using ACPI (MADT) for SMP configuration information");
        report.Console.ShouldContain("ACPI: INT_SRC_OVR (bus 0 bus_irq 4 global_irq 4 dfl dfl)");
        // acpi/boot.c acpi_parse_fadt: the FADT's X_PM_TMR_BLK (device_manager.rs: port 0x608).
        report.Console.ShouldContain("ACPI: PM-Timer IO Port: 0x608");
        // drivers/clocksource/acpi_pm.c init_acpi_pm_clocksource: the timer at 0x608 counts (devices/src/acpi.rs AcpiPmTimerDevice).
        report.Console.ShouldNotContain("PM-Timer failed consistency check");
        // drivers/acpi/bus.c acpi_bus_init loaded the DSDT; sleep.c found _S5_; pnpacpi enumerated MBRD (PNP0C02) and COM1.
        report.Console.ShouldContain("ACPI: 1 ACPI AML tables successfully acquired and loaded");
        report.Console.ShouldContain("ACPI: PM: (supports S0 S5)");
        report.Console.ShouldContain("pnp: PnP ACPI: found 2 devices");
        report.Console.ShouldMatch(@"00:\d\d: ttyS0 at I/O 0x3f8 \(irq = \d+, base_baud = 115200\) is a 16550A");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
        report.Contracts.Single(c => c.Contract.Id == "x86.log.no-faults").Verdict.ShouldBe(ContractVerdict.Pass);
        // drivers/firmware/dmi_scan.c found the SMBIOS 3.2.0 entry point at 0xF0000 and printed dmi_format_ids: system
        // manufacturer and product, then the BIOS version (no release date string).
        report.Console.ShouldContain("SMBIOS 3.2.0 present.");
        report.Console.ShouldContain("DMI: Cloud Hypervisor cloud-hypervisor, BIOS 0 ");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.smbios").Verdict.ShouldBe(ContractVerdict.Pass);
    }
}
