using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's 6.1 cloud arm64 Image with the fixture initramfs, under Firecracker's layout: the generic timer's
/// interrupts through the GICv3 carry it past calibrate_delay (init/calibrate.c prints "(skipped), value
/// calculated using timer frequency" when the arch timer registered a delay timer), on to kernel_init running
/// /init, whose report line reaches the PL011 before it powers off through PSCI SYSTEM_OFF.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public class Arm64InitramfsRealKernelTests
{
    private static BootReport? _boot;

    private static BootReport Boot()
    {
        if (_boot is not null)
            return _boot;
        var initramfs = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.Arm64));
        var clock = Stopwatch.StartNew();
        // "panic" is never reached on a good boot: the run ends at SYSTEM_OFF.
        _boot = KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions { Until = "panic", Initrd = initramfs, MaxInstructions = 1_500_000_000 });
        TestContext.Out.WriteLine($"{_boot.StopReason} at {_boot.StopLocation} after {_boot.Instructions:N0} instructions, {clock.Elapsed.TotalSeconds:F1} s");
        return _boot;
    }

    [Test]
    public void The_timer_interrupt_carries_the_kernel_past_calibrate_delay()
    {
        var report = Boot();
        report.Console.ShouldContain("arch_timer: cp15 timer(s) running at 62.50MHz (virt).");
        report.Console.ShouldContain("Calibrating delay loop (skipped), value calculated using timer frequency");
        report.Console.ShouldContain("GICv3: 96 SPIs implemented");
    }

    [Test]
    public void The_kernel_runs_the_fixture_init_which_reports_and_powers_off()
    {
        var report = Boot();
        report.Console.ShouldContain("Run /init as init process");
        var init = InitReport.Find(report.Console);
        init.ShouldNotBeNull(report.Console[^Math.Min(3000, report.Console.Length)..]);
        init.Architecture.ShouldBe("arm64");
        init.Pid.ShouldBe(1);
        report.StopReason.ShouldBe(StopReason.PowerOff, report.StopDetail);
        report.Milestones.Select(m => m.Name).ShouldContain("kernel_init");
    }
}
