using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's 6.1 kernel (XLF_CAN_BE_LOADED_ABOVE_4G) given an initrd above 4 GiB reads it back from
/// ramdisk_image + ext_ramdisk_image (arch/x86/kernel/setup.c get_ramdisk_image) by <c>start_kernel</c>, through
/// the 64-bit boot protocol. (Its PVH entry keeps only 32 bits of the module address: the setup refuses that.)
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class InitrdAbove4GRealKernelTests
{
    [TestCase(BootProtocol.Linux64)]
    public void The_kernel_finds_an_initrd_placed_above_4_gib(BootProtocol protocol)
    {
        var profile = VmmProfiles.Firecracker;
        // 5 GiB with the PCI hole: RAM [0, 3 GiB) and [4 GiB, 6 GiB).
        using var memory = GuestMemory.WithMmioGap(5UL << 30);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.Vmlinux),
            Initrd = DebianBoot.Initrd,
            CommandLine = "console=ttyS0 nokaslr panic=-1",
            Protocol = protocol,
            InitrdAbove4G = true,
        }));
        setup.Initrd!.Value.Address.ShouldBeGreaterThanOrEqualTo(1UL << 32);

        var report = KernelBoot.Run(memory, setup, new KernelBootOptions { Symbols = DebianBoot.Symbols, Until = "start_kernel", Profile = profile });
        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.Readback!.X86!.Ramdisk.ShouldBe(setup.Initrd!.Value);
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
    }
}
