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
/// Debian's 6.1 and 6.12 cloud kernels boot under the crosvm profile through the 64-bit entry to /init, finds crosvm's RSDP by
/// scanning the BIOS area (crosvm passes no RSDP address), lists each table at our address, and loads the DSDT without an
/// ACPI error.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class CrosvmAcpiRealKernelTests
{
    [Test]
    public void The_kernel_lists_crosvms_tables_at_their_addresses()
    {
        var tables = CrosvmAcpi.Build();
        var (report, _) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.BzImage),
            Protocol = BootProtocol.Linux64,
            Initrd = FixtureInitramfs.BuildX86_64(),
            CommandLine = "console=ttyS0 panic=-1",
        }, VmmProfiles.Crosvm, until: ConsoleMilestones.Init);

        report.Milestone.ShouldBe(ConsoleMilestones.Init, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        // tbprint.c acpi_tb_print_table_header: the RSDP, the XSDT, then the tables it lists with the FADT's DSDT and FACS.
        report.Console.ShouldContain("ACPI: RSDP 0x00000000000E0000 000024 (v02 CROSVM)");
        report.Console.ShouldContain($"ACPI: FACS 0x{tables.Find("FACS")!.Address:X16} 000040");
        var listed = new KernelLog(report.Console).AcpiTables();
        listed.Select(t => t.Signature).ShouldBe(["RSDP", "XSDT", "FACP", "DSDT", "APIC", "MCFG"]);
        foreach (var (signature, address, length, revision, oemId) in listed.Skip(1))
        {
            var table = tables.Find(signature).ShouldNotBeNull();
            (address, length, revision, oemId).ShouldBe((table.Address, (uint)table.Length, (int)table.Revision, table.OemId), signature);
        }
        report.Console.ShouldContain("ACPI: Using ACPI (MADT) for SMP configuration information");
        report.Console.ShouldContain("ACPI: 1 ACPI AML tables successfully acquired and loaded");
        report.Console.ShouldNotContain("ACPI Error");
        report.Console.ShouldNotContain("ACPI BIOS Error");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
        report.Contracts.Single(c => c.Contract.Id == "x86.log.no-faults").Verdict.ShouldBe(ContractVerdict.Pass);
        // drivers/firmware/dmi_scan.c: crosvm's SMBIOS 3.2.0 tables at 0xF0000 and dmi_format_ids' line from them.
        report.Console.ShouldContain("SMBIOS 3.2.0 present.");
        report.Console.ShouldContain("DMI: ChromiumOS crosvm, BIOS 0 ");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.smbios").Verdict.ShouldBe(ContractVerdict.Pass);
    }

    [Test]
    public void The_6_12_cloud_kernel_loads_crosvms_tables_without_an_acpi_error()
    {
        var set = DebianKernelSet.Amd64Cloud612;
        var tables = CrosvmAcpi.Build();
        var report = KernelBoot.Run(File.ReadAllBytes(Path.Combine(set.Directory(), "vmlinuz")), new KernelBootOptions
        {
            Profile = VmmProfiles.Crosvm,
            Protocol = BootProtocol.Linux64,
            Initrd = FixtureInitramfs.BuildX86_64(),
            Symbols = KallsymsReader.Recover(set.Vmlinux()),
            CommandLine = "console=ttyS0 panic=-1",
            Until = ConsoleMilestones.Init,
        });

        report.Milestone.ShouldBe(ConsoleMilestones.Init, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        report.Console.ShouldContain("ACPI: RSDP 0x00000000000E0000 000024 (v02 CROSVM)");
        new KernelLog(report.Console).AcpiTables().Select(t => (t.Signature, t.Address))
            .ShouldBe([("RSDP", tables.RsdpAddress), .. new[] { "XSDT", "FACP", "DSDT", "APIC", "MCFG" }.Select(s => (s, tables.Find(s)!.Address))]);
        report.Console.ShouldContain("ACPI: 1 ACPI AML tables successfully acquired and loaded");
        report.Console.ShouldNotContain("ACPI Error");
        report.Console.ShouldNotContain("ACPI BIOS Error");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
    }
}
