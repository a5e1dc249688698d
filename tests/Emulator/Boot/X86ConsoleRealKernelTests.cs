using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's real 6.1 cloud kernel, entered through PVH under Firecracker's profile, speaking on COM1: its first
/// console line, the timer-derived delay calibration (CPUID leaf 0x15 TSC, PIT ticks through the 8259A) and,
/// with the fixture initramfs, "Run /init as init process".
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class X86ConsoleRealKernelTests
{
    private const string Cmdline = "console=ttyS0 earlyprintk=serial panic=-1";

    private static BootReport Boot(string until, ReadOnlyMemory<byte>? initrd, ulong budget)
    {
        var profile = VmmProfiles.Firecracker;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.Vmlinux),
            Initrd = initrd,
            CommandLine = Cmdline,
        }));
        setup.Protocol.ShouldBe(BootProtocol.Pvh);
        var wall = Stopwatch.StartNew();
        var report = KernelBoot.Run(memory, setup, new KernelBootOptions
        {
            Symbols = DebianBoot.Symbols,
            Until = until,
            Profile = profile,
            MaxInstructions = budget,
        });
        TestContext.Out.WriteLine($"{until}: {report.StopReason} at {report.StopLocation} after {report.Instructions:N0} instructions, {wall.Elapsed.TotalSeconds:F1} s; last line: {report.LastConsoleLine}");
        return report;
    }

    [Test]
    public void A_run_to_the_first_console_line_reports_where_its_time_went()
    {
        var report = KernelBoot.Run(DebianBoot.Vmlinux, new KernelBootOptions
        {
            CommandLine = Cmdline,
            Protocol = BootProtocol.Pvh,
            Until = ConsoleMilestones.Console,
            MaxInstructions = 100_000_000,
        });

        report.Milestone.ShouldBe(ConsoleMilestones.Console, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        // kallsyms are recovered (start_kernel is read back on the way, startup_64 finds the kernel) and timed apart from the run.
        report.Phases.Symbols.ShouldBeGreaterThan(TimeSpan.Zero);
        report.Phases.Run.ShouldBeGreaterThan(TimeSpan.Zero);
        report.Phases.Load.ShouldBeGreaterThan(TimeSpan.Zero);
        report.StopLocation.ShouldNotStartWith("0x");
    }

    [Test]
    public void Pvh_vmlinux_prints_its_banner_as_the_first_com1_line()
    {
        var report = Boot(ConsoleMilestones.Console, null, 100_000_000);

        report.Milestone.ShouldBe(ConsoleMilestones.Console, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.StopReason.ShouldBe(StopReason.AddressReached);
        var milestone = report.Milestones.Single(m => m.Kind == BootMilestoneKind.Console);
        milestone.Line.ShouldNotBeNull().ShouldContain("Linux version 6.1.");
        milestone.Instructions.ShouldBeGreaterThan(0UL);
        report.Console.ShouldContain("Linux version 6.1.");
    }

    [Test]
    public void Pvh_vmlinux_skips_delay_calibration_on_the_cpuid_tsc_and_reaches_rest_init()
    {
        var report = Boot("rest_init", null, 400_000_000);

        report.Milestone.ShouldBe("rest_init", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        var lines = report.Console.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        lines.ShouldContain(l => l.EndsWith("] Command line: " + Cmdline, StringComparison.Ordinal));
        // native_calibrate_tsc read CPUID 0x15; calibrate_delay took lpj_fine from the TSC instead of waiting for ticks.
        lines.ShouldContain(l => l.Contains("tsc: Detected 100.000 MHz processor", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("Calibrating delay loop (skipped), value calculated using timer frequency", StringComparison.Ordinal));
        // The PIT's IRQ 0 reached the kernel through the 8259A: jiffies advanced, so the console was replayed on ttyS0.
        lines.ShouldContain(l => l.Contains("printk: console [ttyS0] enabled", StringComparison.Ordinal));
        // start_kernel is passed on the way (the readback is taken there), then the console, then the stop symbol.
        report.Milestones.Select(m => m.Name).ShouldBe(["start_kernel", ConsoleMilestones.Console, "rest_init"]);
        report.Readback.ShouldNotBeNull().BootCommandLine.ShouldBe(Cmdline);
    }

    [Test]
    public void Pvh_vmlinux_with_the_fixture_initramfs_runs_init_which_reports_and_halts()
    {
        var report = Boot(ConsoleMilestones.Shutdown, FixtureInitramfs.BuildX86_64(), 2_000_000_000);

        report.Milestone.ShouldBe(ConsoleMilestones.Shutdown, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        report.Milestones.Select(m => m.Name).ShouldBe(["start_kernel", ConsoleMilestones.Console, ConsoleMilestones.Init, ConsoleMilestones.Shutdown]);
        report.Milestones[2].Line.ShouldNotBeNull().ShouldEndWith("Run /init as init process");
        report.Console.ShouldContain("Trying to unpack rootfs image as initramfs...");
        // Firecracker's DSDT declares COM1 (PNP0501), so the 8250 driver finds it through PnP ACPI; the FADT is
        // hardware-reduced, so the kernel has no legacy IRQs and GSI 4 gets an IRQ number of its own choosing.
        report.Console.ShouldMatch(@"00:00: ttyS0 at I/O 0x3f8 \(irq = \d+, base_baud = 115200\) is a 16550A");
        // The fixture /init ran in ring 3, printed its report through /dev/console and asked to power off; the DSDT has
        // no \_S5 sleep state ("ACPI: PM: (supports S0)"), so there is no power-off handler and kernel/reboot.c's
        // sys_reboot turns POWER_OFF into HALT.
        var init = InitReport.Find(report.Console).ShouldNotBeNull();
        init.Architecture.ShouldBe(X86InitProgram.Architecture);
        init.Pid.ShouldBe(1);
        init.CommandLine.ShouldBe(Cmdline);
        report.StopReason.ShouldBe(StopReason.Halt);
        report.LastConsoleLine.ShouldNotBeNull().ShouldEndWith("reboot: System halted");
        // The kernel's own log agrees with what we loaded: its command line, e820 map and RAMDISK, and no fault.
        report.Contracts.Where(c => c.Contract.Id.StartsWith("x86.log.", StringComparison.Ordinal) && c.Contract.Id != "x86.log.init-report")
            .Select(c => $"{c.Contract.Id} {c.Verdict}: {c.Detail}").ShouldBe(
            [
                $"x86.log.command-line Pass: {Cmdline}",
                "x86.log.e820 Pass: [0x0, +0x9fc00) Ram, [0x9fc00, +0x60400) Reserved, [0x100000, +0x3ff00000) Ram, [0xeec00000, +0x10000000) Reserved",
                "x86.log.ramdisk Pass: [mem 0x3ffff000-0x3fffffff]",
                // Firecracker's ACPI tables (src/vmm/src/acpi/mod.rs), as the kernel listed them.
                "x86.log.acpi-tables Pass: DSDT 0x9fd30 +0x1e7 v2 FIRECK, FACP 0x9ff17 +0x114 v6 FIRECK, APIC 0xa002b +0x40 v6 FIRECK, "
                + "MCFG 0xa006b +0x3c v1 FIRECK, XSDT 0xa00a7 +0x3c v1 FIRECK, RSDP 0xe0000 +0x24 v2 FIRECK",
                // The cloud kernel has no MP-table parser (CONFIG_X86_MPPARSE unset); it registers the I/O APIC from the MADT.
                "x86.log.mp-table NotApplicable: MP table at 0x9fc00 not reported (no CONFIG_X86_MPPARSE, or not yet)",
                "x86.log.smbios Pass: none written, none found",
                "x86.log.ioapic Pass: version 17, address 0xfec00000, GSI 0-23",
                "x86.log.acpi-errors Pass: none",
                "x86.log.no-faults Pass: none",
            ]);
        // /init's own view agrees: our command line, the two usable e820 ranges, a MemTotal within them.
        var initVerdict = report.Contracts.Single(c => c.Contract.Id == "x86.log.init-report");
        initVerdict.Verdict.ShouldBe(ContractVerdict.Pass, initVerdict.Detail);
        initVerdict.Detail.ShouldContain($"/proc/cmdline \"{Cmdline}\", 2 RAM range(s)");
    }
}
