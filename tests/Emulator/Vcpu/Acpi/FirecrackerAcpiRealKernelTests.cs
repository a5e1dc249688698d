using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Emulator.Boot;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Debian's 6.1 cloud kernel finds Firecracker's ACPI tables where we wrote them, lists each one and still reaches
/// /init: the PVH vmlinux by scanning 0xE0000–0xFFFFF (Firecracker leaves hvm_start_info.rsdp_paddr zero), the
/// bzImage at its 64-bit entry through boot_params.acpi_rsdp_addr. The tables are written before the run as the
/// vCPU setup writes them for a CPU with a local APIC; this engine's CPU has none yet, so interrupts still come
/// through the 8259A, which a hardware-reduced FADT tells Linux not to use (the /init milestone is reached, but
/// /init's own output, sent on IRQ 4, is not).
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class FirecrackerAcpiRealKernelTests
{
    private const string Cmdline = "console=ttyS0 panic=-1";

    [TestCase(BootProtocol.Pvh)]
    [TestCase(BootProtocol.Linux64)]
    public void The_kernel_lists_firecrackers_tables_and_reaches_init(BootProtocol protocol)
    {
        var tables = FirecrackerAcpi.Build();
        var (report, _) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(protocol == BootProtocol.Pvh ? DebianBoot.Vmlinux : DebianBoot.BzImage),
            Protocol = protocol,
            Initrd = FixtureInitramfs.BuildX86_64(),
            CommandLine = Cmdline,
        }, until: ConsoleMilestones.Init, tamper: (memory, _) => tables.WriteTo(memory));

        report.Milestone.ShouldBe(ConsoleMilestones.Init, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        // tbprint.c acpi_tb_print_table_header, for the RSDP at RSDP_ADDR and the XSDT it points to.
        var listed = new KernelLog(report.Console).AcpiTables();
        listed[0].ShouldBe(("RSDP", FirecrackerAcpi.RsdpAddress, 36u, 2, "FIRECK"));
        var xsdt = tables.Find("XSDT").ShouldNotBeNull();
        listed[1].ShouldBe(("XSDT", xsdt.Address, (uint)xsdt.Length, 1, "FIRECK"));
        // drivers/acpi/bus.c acpi_bus_init: the DSDT's AML loaded; pnpacpi enumerated COM1 and the i8042 from it.
        report.Console.ShouldContain("ACPI: 1 ACPI AML tables successfully acquired and loaded");
        report.Console.ShouldContain("pnp: PnP ACPI: found 2 devices");
        // The FADT is hardware-reduced, so Linux drops the 8259 (arch/x86/kernel/acpi/boot.c acpi_reduced_hw_init:
        // legacy_pic = &null_legacy_pic); with no legacy IRQs, COM1's GSI 4 gets a dynamically allocated IRQ number
        // (arch/x86/kernel/apic/io_apic.c mp_map_pin_to_irq), not 4.
        report.Console.ShouldMatch(@"00:00: ttyS0 at I/O 0x3f8 \(irq = \d+, base_baud = 115200\) is a 16550A");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
        report.Contracts.Single(c => c.Contract.Id == "x86.log.no-faults").Verdict.ShouldBe(ContractVerdict.Pass);
    }
}
