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
/// profile's MP table and routes the ISA interrupts through the I/O APIC. The log lines are the kernel's own
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
    public void The_generic_kernel_reads_cloud_hypervisors_mp_table_and_switches_to_the_io_apic()
    {
        var kernel = DebianKernelSet.Amd64Generic612;
        var vmlinux = kernel.Vmlinux();
        // Cloud Hypervisor writes an MP table and (in this profile) no ACPI tables, so the kernel takes the MP table;
        // under Firecracker's profile the MADT would win (acpi_boot_init before get_smp_config).
        var report = Boot(vmlinux, KallsymsReader.Recover(vmlinux), VmmProfiles.CloudHypervisor, 3_000_000_000);

        // mpparse.c smp_scan_config found the floating pointer at Cloud Hypervisor's MPTABLE_START (mptable.rs)...
        report.Console.ShouldContain("found SMP MP-table at [mem 0x0009fc00-0x0009fc0f]");
        // ...io_apic.c mp_register_ioapic read IOAPICVER: 0x11, 24 entries, at 0xFEC00000 with the table's ID num_cpus + 1...
        report.Console.ShouldContain("IOAPIC[0]: apic_id 2, version 17, address 0xfec00000, GSI 0-23");
        // ...and apic.c apic_intr_mode_init left virtual-wire mode for the I/O APIC.
        report.Console.ShouldContain("APIC: Switch to symmetric I/O mode setup");
        report.Console.ShouldContain("serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A");
        report.StopReason.ShouldBe(StopReason.Halt);
        report.Contracts.Where(c => c.Contract.Id is "x86.log.mp-table" or "x86.log.ioapic")
            .Select(c => $"{c.Contract.Id} {c.Verdict}: {c.Detail}").ShouldBe(
            [
                "x86.log.mp-table Pass: [mem 0x9fc00-0x9fc0f]",
                "x86.log.ioapic Pass: version 17, address 0xfec00000, GSI 0-23",
            ]);
    }
}
