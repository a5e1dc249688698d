using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// bookworm's 6.12 arm64 kernels, cloud and generic (fixtures/fetch-debian-kernels.sh arm64 6.12 {cloud,generic};
/// fetched under CI=true), run from their first instruction to <c>start_kernel</c> under every arm64 profile.
/// 6.12 writes kallsyms after the token index (6.4+ order), links at KIMAGE_VADDR 0xffff800080000000 (52-bit VA
/// builds, arch/arm64/include/asm/memory.h) and maps itself with the early C code in arch/arm64/kernel/pi/.
/// Expectations come from arch/arm64/kernel/head.S and setup.c.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public class Arm64KernelBoot612RealKernelTests
{
    private static readonly Dictionary<string, byte[]> Images = [];

    private static IEnumerable<TestCaseData> Cases() =>
        from kernel in new[] { DebianKernelSet.Arm64Cloud612, DebianKernelSet.Arm64Generic612 }
        from profile in VmmProfiles.Arm64
        select new TestCaseData(kernel, profile).SetArgDisplayNames(kernel.Folder, profile.Name);

    private static byte[] Image(DebianKernelSet kernel)
    {
        if (!Images.TryGetValue(kernel.Folder, out var image))
            Images[kernel.Folder] = image = kernel.Kernel();
        return image;
    }

    [TestCaseSource(nameof(Cases))]
    public void Reaches_start_kernel_with_boot_args_and_fdt_pointer(DebianKernelSet kernel, VmmProfile profile)
    {
        var report = KernelBoot.Run(Image(kernel), new KernelBootOptions { Profile = profile, Until = "start_kernel", CommandLine = "console=ttyAMA0" });

        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.StopReason.ShouldBe(StopReason.AddressReached);
        // 6.12 head.S: primary_entry saves the boot arguments, builds the initial idmap in C, sets the EL and
        // the CPU up; __primary_switch enables the MMU, maps and relocates the kernel in C, jumps to __primary_switched.
        report.Milestones.Select(m => m.Name).ShouldBe(["primary_entry", "preserve_boot_args", "__pi_create_init_idmap", "init_kernel_el",
            "__cpu_setup", "__primary_switch", "__enable_mmu", "__pi_early_map_kernel", "__pi_relocate_kernel", "__primary_switched", "start_kernel"]);
        report.LinkAddress.ShouldBe(0xFFFF_8000_8000_0000UL);
        report.Milestones.Single(m => m.Name == "start_kernel").Address.ShouldBeGreaterThan(report.LinkAddress!.Value);
        // preserve_boot_args stores x0..x3 as the boot protocol left them (booting.rst: x0 = DTB, x1-x3 = 0) ...
        report.Readback!.Arm64!.BootArgs.ShouldBe([report.BootStructureAddress, 0UL, 0UL, 0UL]);
        // ... and __primary_switched records x0 in __fdt_pointer for setup_arch.
        report.Readback.Arm64.FdtPointer.ShouldBe(report.BootStructureAddress);
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        report.Succeeded.ShouldBeTrue();
    }

    private static IEnumerable<TestCaseData> Flavours() =>
        new[] { DebianKernelSet.Arm64Cloud612, DebianKernelSet.Arm64Generic612 }.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    [TestCaseSource(nameof(Flavours))]
    public void Past_setup_arch_boot_command_line_is_the_bootargs(DebianKernelSet kernel)
    {
        const string cmdline = "console=ttyAMA0 earlycon=pl011,0x09000000 harness=arm64";
        var report = KernelBoot.Run(Image(kernel), new KernelBootOptions { Until = "rest_init", CommandLine = cmdline });

        report.Milestone.ShouldBe("rest_init", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        // setup_arch copies /chosen/bootargs into boot_command_line (drivers/of/fdt.c early_init_dt_scan_chosen).
        report.Readback!.BootCommandLine.ShouldBe(cmdline);
        report.Console.ShouldContain($"Kernel command line: {cmdline}");
        report.Console.ShouldContain("psci: PSCIv0.2 detected in firmware.");
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
    }
}
