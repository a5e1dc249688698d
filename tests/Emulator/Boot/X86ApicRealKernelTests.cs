using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Real kernels on the local APIC and the I/O APIC, as under KVM: Debian's 6.1 cloud kernel (no MP-table parser,
/// CONFIG_X86_MPPARSE unset) uses the local APIC and its TSC-deadline timer; the generic 6.12 kernel also finds the
/// profile's MP table, takes the MADT over it, and routes the interrupts through the I/O APIC. The log lines are the kernel's own
/// (arch/x86/kernel/mpparse.c, apic/io_apic.c mp_register_ioapic, apic/apic.c).
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class X86ApicRealKernelTests
{
    private const string Cmdline = "console=ttyS0 earlyprintk=serial panic=-1";

    private static BootReport Boot(byte[] vmlinux, SymbolTable symbols, VmmProfile profile, ulong budget)
    {
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(vmlinux),
            Initrd = FixtureInitramfs.BuildX86_64(),
            CommandLine = Cmdline,
        }));
        var wall = Stopwatch.StartNew();
        var report = KernelBoot.Run(memory, setup, new KernelBootOptions
        {
            Symbols = symbols,
            Until = ConsoleMilestones.Shutdown,
            Profile = profile,
            MaxInstructions = budget,
        });
        TestContext.Out.WriteLine($"{profile.Name}: {report.StopReason} at {report.StopLocation} after {report.Instructions:N0} instructions, {wall.Elapsed.TotalSeconds:F1} s; last line: {report.LastConsoleLine}");
        report.Milestone.ShouldBe(ConsoleMilestones.Shutdown, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        InitReport.Find(report.Console).ShouldNotBeNull().CommandLine.ShouldBe(Cmdline);
        report.Contracts.Where(c => c.Contract.Id == "x86.log.no-faults").Select(c => c.Verdict.ToString()).ShouldBe(["Pass"]);
        return report;
    }

    [Test]
    public void The_cloud_kernel_runs_on_the_local_apic_and_its_tsc_deadline_timer()
    {
        var report = Boot(DebianBoot.Vmlinux, DebianBoot.Symbols, VmmProfiles.Firecracker, 2_000_000_000);

        // arch/x86/kernel/apic/apic.c: CPUID.1:EDX[9] found the APIC (else "No local APIC present"),
        // and CPUID.1:ECX[24] the TSC-deadline timer.
        report.Console.ShouldNotContain("No local APIC present");
        report.Console.ShouldNotContain("APIC: Keep in PIC mode(8259)");
        report.Console.ShouldContain("TSC deadline timer available");
    }

    [Test]
    public void The_generic_kernel_finds_cloud_hypervisors_mp_table_but_takes_the_madt_and_switches_to_the_io_apic()
    {
        var kernel = DebianKernelSet.Amd64Generic612;
        var vmlinux = kernel.Vmlinux();
        // Cloud Hypervisor writes an MP table and ACPI tables; the kernel scans for both, and the MADT wins
        // (arch/x86/kernel/setup.c runs acpi_boot_init before get_smp_config, and mpparse.c default_get_smp_config
        // returns early once acpi_lapic and acpi_ioapic are set).
        var report = Boot(vmlinux, KallsymsReader.Recover(vmlinux), VmmProfiles.CloudHypervisor, 3_000_000_000);

        // mpparse.c smp_scan_config found the floating pointer at Cloud Hypervisor's MPTABLE_START (mptable.rs)...
        report.Console.ShouldContain("found SMP MP-table at [mem 0x0009fc00-0x0009fc0f]");
        // ...but acpi/boot.c acpi_process_madt took the MADT: the I/O APIC with the MADT's ID 0 (cpu.rs create_madt),
        // not the MP table's num_cpus + 1, and Cloud Hypervisor's override of IRQ 4.
        report.Console.ShouldContain("ACPI: Using ACPI (MADT) for SMP configuration information");
        report.Console.ShouldContain("IOAPIC[0]: apic_id 0, version 17, address 0xfec00000, GSI 0-23");
        report.Console.ShouldContain("ACPI: INT_SRC_OVR (bus 0 bus_irq 4 global_irq 4 dfl dfl)");
        // apic.c apic_intr_mode_init left virtual-wire mode for the I/O APIC.
        report.Console.ShouldContain("APIC: Switch to symmetric I/O mode setup");
        // The FADT is hardware-reduced, so there are no legacy IRQs (acpi/boot.c acpi_reduced_hw_init): COM1, found
        // through PnP ACPI in the DSDT, gets a dynamically allocated IRQ number for GSI 4, not 4.
        report.Console.ShouldMatch(@"00:\d\d: ttyS0 at I/O 0x3f8 \(irq = \d+, base_baud = 115200\) is a 16550A");
        // /init's reboot(2) powers off through the DSDT's _S5_ and the FADT's sleep control register (hwesleep.c).
        report.Console.ShouldContain("ACPI: PM: Preparing to enter system sleep state S5");
        report.StopReason.ShouldBe(StopReason.PowerOff);
        report.Contracts.Where(c => c.Contract.Id is "x86.log.mp-table" or "x86.log.ioapic" or "x86.log.acpi-tables")
            .Select(c => $"{c.Contract.Id} {c.Verdict}").ShouldBe(["x86.log.acpi-tables Pass", "x86.log.mp-table Pass", "x86.log.ioapic Pass"]);
        report.Contracts.Where(c => c.Contract.Id is "x86.log.mp-table" or "x86.log.ioapic")
            .Select(c => $"{c.Contract.Id} {c.Verdict}: {c.Detail}").ShouldBe(
            [
                "x86.log.mp-table Pass: [mem 0x9fc00-0x9fc0f]",
                "x86.log.ioapic Pass: version 17, address 0xfec00000, GSI 0-23",
            ]);
    }
}
