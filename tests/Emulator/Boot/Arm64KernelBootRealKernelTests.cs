using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's arm64 cloud kernel run from its first instruction (fixtures/fetch-debian-kernels.sh arm64; fetched
/// under CI=true). Expectations come from arch/arm64/kernel/head.S and setup.c, Documentation/arch/arm64/booting.rst.
/// </summary>
[TestFixture]
[Category("Slow")]
public class Arm64KernelBootRealKernelTests
{
    private static IEnumerable<TestCaseData> Profiles() => VmmProfiles.Arm64.Select(p => new TestCaseData(p).SetName(p.Name));

    [TestCaseSource(nameof(Profiles))]
    public void Reaches_start_kernel_with_boot_args_and_fdt_pointer(VmmProfile profile)
    {
        var report = KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions { Profile = profile, Until = "start_kernel" });

        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.StopReason.ShouldBe(StopReason.AddressReached);
        // head.S order: preserve_boot_args, then the EL setup, page tables and MMU, then __primary_switched → start_kernel.
        report.Milestones.Select(m => m.Name).ShouldBe(["primary_entry", "preserve_boot_args", "init_kernel_el", "create_idmap", "__cpu_setup",
            "__primary_switch", "__enable_mmu", "__relocate_kernel", "__primary_switched", "start_kernel"]);
        report.Milestones.Single(m => m.Name == "start_kernel").Address.ShouldBeGreaterThan(report.LinkAddress!.Value);
        report.Readback!.Arm64!.BootArgs.ShouldBe([report.BootStructureAddress, 0UL, 0UL, 0UL]);
        report.Readback.Arm64.FdtPointer.ShouldBe(report.BootStructureAddress);
        report.Readback!.BootCommandLine.ShouldBeNull();
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        report.Succeeded.ShouldBeTrue();
    }

    [Test]
    public void Past_setup_arch_boot_command_line_is_the_bootargs()
    {
        const string cmdline = "console=ttyAMA0 earlycon=pl011,0x09000000 harness=arm64";
        var report = KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions { Until = "rest_init", CommandLine = cmdline });

        report.Milestone.ShouldBe("rest_init", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.Readback!.BootCommandLine.ShouldBe(cmdline);
        report.Console.ShouldContain($"Kernel command line: {cmdline}");
        report.Console.ShouldContain("psci: PSCIv0.2 detected in firmware.");
        report.Contracts.Single(c => c.Contract.Id == "arm64.run.boot-command-line").Verdict.ShouldBe(ContractVerdict.Pass);
    }

    [Test]
    public void A_nonzero_x1_is_what_the_kernel_records_and_the_contracts_catch()
    {
        var report = KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions
        {
            Until = "start_kernel",
            Mutant = Mutants.Arm64.Single(m => m.Id == "arm64.x1-nonzero"),
        });
        report.Milestone.ShouldBe("start_kernel");
        report.Readback!.Arm64!.BootArgs.ShouldBe([report.BootStructureAddress, 1UL, 0UL, 0UL]);
        report.Contracts.Where(c => c.IsViolation).Select(c => c.Contract.Id).ShouldBe(["arm64.x1-x3-zero", "arm64.run.boot-args"]);
        report.Succeeded.ShouldBeFalse();
    }

    [Test]
    public void Without_a_root_filesystem_the_kernel_panics_in_mount_root()
    {
        var report = KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions { Until = "panic" });
        report.Milestone.ShouldBe("panic", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.Milestones.Select(m => m.Name).ShouldContain("kernel_init");
        report.Console.ShouldContain("VFS: Cannot open root device");
    }
}
