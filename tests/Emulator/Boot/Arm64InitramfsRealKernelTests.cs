using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's cloud arm64 Images (6.1 and bookworm's 6.12) with the fixture initramfs, under Firecracker's layout:
/// the generic timer's interrupts through the GICv3 carry the kernel past calibrate_delay (init/calibrate.c
/// prints "(skipped), value calculated using timer frequency" when the arch timer registered a delay timer),
/// on to kernel_init running /init, whose report line reaches the PL011 before it powers off through PSCI
/// SYSTEM_OFF. One boot per kernel (~1 billion instructions, 10–20 s), shared by the assertions.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public class Arm64InitramfsRealKernelTests
{
    private static readonly Dictionary<string, BootReport> Boots = [];

    private static IEnumerable<TestCaseData> Kernels() =>
        new[] { DebianKernelSet.Arm64Cloud61, DebianKernelSet.Arm64Cloud612 }.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    private static BootReport Boot(DebianKernelSet kernel)
    {
        if (Boots.TryGetValue(kernel.Folder, out var cached))
            return cached;
        var initramfs = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.Arm64));
        var clock = Stopwatch.StartNew();
        // "panic" is never reached on a good boot: the run ends at SYSTEM_OFF.
        var report = KernelBoot.Run(kernel.Kernel(), new KernelBootOptions { Until = "panic", Initrd = initramfs, MaxInstructions = 2_000_000_000 });
        TestContext.Out.WriteLine($"{kernel.Folder}: {report.StopReason} at {report.StopLocation} after {report.Instructions:N0} instructions, {clock.Elapsed.TotalSeconds:F1} s");
        Boots[kernel.Folder] = report;
        return report;
    }

    /// <summary>
    /// The native executable's back end, host code for the A64 tier (linked blocks, exits at TLB misses), boots the same
    /// kernel to the same power-off as the interpreter: the same count, console, milestones, readback and verdicts.
    /// </summary>
    [TestCaseSource(nameof(Kernels))]
    public void Host_code_boots_to_the_interpreters_power_off(DebianKernelSet kernel)
    {
        if (!ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
        var expected = Boot(kernel);
        var initramfs = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.Arm64));
        var actual = KernelBoot.Run(kernel.Kernel(), new KernelBootOptions
        {
            Until = "panic", Initrd = initramfs, MaxInstructions = 2_000_000_000, Engine = EngineTier.Tiered, HostCodeTier = true,
        });

        actual.ShouldEndAs(expected);
        actual.Tiering.Statistics.Linked.ShouldBeGreaterThan(0);
        TestContext.Out.WriteLine($"{kernel.Folder}: {actual.Tiering.Statistics.Retired:N0} of {actual.Instructions:N0} instructions in host code, {actual.WallTime.TotalSeconds:F2} s");
    }

    [TestCaseSource(nameof(Kernels))]
    public void The_timer_interrupt_carries_the_kernel_past_calibrate_delay(DebianKernelSet kernel)
    {
        var report = Boot(kernel);
        report.Console.ShouldContain("arch_timer: cp15 timer(s) running at 62.50MHz (virt).");
        report.Console.ShouldContain("Calibrating delay loop (skipped), value calculated using timer frequency");
        report.Console.ShouldContain("GICv3: 96 SPIs implemented");
    }

    [TestCaseSource(nameof(Kernels))]
    public void The_kernel_runs_the_fixture_init_which_reports_and_powers_off(DebianKernelSet kernel)
    {
        var report = Boot(kernel);
        report.Console.ShouldContain("Run /init as init process");
        var init = InitReport.Find(report.Console);
        init.ShouldNotBeNull(report.Console[^Math.Min(3000, report.Console.Length)..]);
        init.Architecture.ShouldBe("arm64");
        init.Pid.ShouldBe(1);
        init.CommandLine.ShouldBe(KernelBoot.DefaultCommandLine(GuestArchitecture.Arm64));
        report.StopReason.ShouldBe(StopReason.PowerOff, report.StopDetail);
        report.Milestones.Select(m => m.Name).ShouldContain("kernel_init");
        // The console milestones, read off the PL011 in order: first line, /init, "reboot: Power down".
        report.Milestones.Where(m => m.Kind != BootMilestoneKind.Symbol).Select(m => m.Name).ShouldBe(["console", "init", "shutdown"]);
        report.LastConsoleLine.ShouldNotBeNull().ShouldContain("reboot: Power down");
        // The kernel's own log agrees with what we loaded (command line, memory, initrd, earlycon), reports no fault, and
        // our /init saw our command line and RAM.
        report.Contracts.Where(c => c.Contract.Id.StartsWith("arm64.log.", StringComparison.Ordinal)).Select(c => (c.Contract.Id, c.Verdict))
            .ShouldBe(
            [
                ("arm64.log.command-line", ContractVerdict.Pass), ("arm64.log.memory", ContractVerdict.Pass), ("arm64.log.initrd", ContractVerdict.Pass),
                ("arm64.log.earlycon", ContractVerdict.Pass), ("arm64.log.no-faults", ContractVerdict.Pass), ("arm64.log.init-report", ContractVerdict.Pass),
            ], string.Join("\n", report.Contracts.Select(c => $"{c.Contract.Id} {c.Verdict}: {c.Detail}")));
    }

    [Test]
    public void Entered_at_el2_the_kernel_uses_the_physical_timer_split_eoi_and_psci_over_smc()
    {
        // drivers/clocksource/arm_arch_timer.c arch_timer_select_ppi: with EL2 available and no VHE, the
        // non-secure physical timer (INTID 30); irq-gic-v3.c: split EOI/deactivate when EL2 is available.
        var initramfs = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.Arm64));
        var clock = Stopwatch.StartNew();
        var report = KernelBoot.Run(DebianKernelSet.Arm64Cloud61.Kernel(), new KernelBootOptions
        {
            Profile = VmmProfiles.SpecEl2, Until = "panic", Initrd = initramfs, MaxInstructions = 2_000_000_000,
        });
        TestContext.Out.WriteLine($"spec-el2: {report.StopReason} after {report.Instructions:N0} instructions, {clock.Elapsed.TotalSeconds:F1} s");

        report.Console.ShouldContain("arch_timer: cp15 timer(s) running at 62.50MHz (phys).");
        report.Console.ShouldContain("GICv3: GIC: Using split EOI/Deactivate mode");
        InitReport.Find(report.Console).ShouldNotBeNull();
        report.StopReason.ShouldBe(StopReason.PowerOff, report.StopDetail);
        report.StopDetail.ShouldNotBeNull().ShouldContain("(smc)");
    }

    [Test]
    public void Under_the_qemu_profile_the_gicv2_delivers_the_timer_and_init_powers_off_over_hvc()
    {
        // QEMU 7.2 -M virt -cpu cortex-a57 -m 512: a GICv2 with its v2m frame, PSCI 1.1 over HVC, entry at EL1 (so
        // irq-gic.c's gic_check_eoimode keeps EOImode 0: no split EOI line without EL2).
        var initramfs = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.Arm64));
        var clock = Stopwatch.StartNew();
        var report = KernelBoot.Run(DebianKernelSet.Arm64Cloud61.Kernel(), new KernelBootOptions
        {
            Profile = VmmProfiles.QemuArm64, Until = "panic", Initrd = initramfs, MemorySize = 512UL << 20, MaxInstructions = 2_000_000_000,
        });
        TestContext.Out.WriteLine($"qemu: {report.StopReason} after {report.Instructions:N0} instructions, {clock.Elapsed.TotalSeconds:F1} s");

        // drivers/irqchip/irq-gic-v2m.c gicv2m_init_one: the frame's V2M_MSI_TYPER as QEMU's arm_gicv2m.c reports it.
        report.Console.ShouldContain("GICv2m: range[mem 0x08020000-0x08020fff], SPI[80:143]");
        report.Console.ShouldNotContain("GICv3");
        // drivers/firmware/psci/psci.c psci_probe / psci_init_smccc: PSCI_VERSION 1.1, no SMCCC_VERSION in PSCI_FEATURES.
        report.Console.ShouldContain("psci: PSCIv1.1 detected in firmware.");
        report.Console.ShouldContain("psci: SMC Calling Convention v1.0");
        report.Console.ShouldContain("arch_timer: cp15 timer(s) running at 62.50MHz (virt).");
        report.Console.ShouldContain("Calibrating delay loop (skipped), value calculated using timer frequency");
        var init = InitReport.Find(report.Console);
        init.ShouldNotBeNull(report.Console[^Math.Min(3000, report.Console.Length)..]);
        init.MemTotalKb.ShouldBe(490364L, "what /init reports under QEMU itself with the same kernel, initramfs and -m 512");
        report.StopReason.ShouldBe(StopReason.PowerOff, report.StopDetail);
        report.StopDetail.ShouldNotBeNull().ShouldContain("(hvc)");
        report.Contracts.Where(c => c.Contract.Id.StartsWith("arm64.log.", StringComparison.Ordinal)).ShouldAllBe(c => c.Verdict == ContractVerdict.Pass);
    }
}
