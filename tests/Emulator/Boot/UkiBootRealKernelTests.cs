using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Tests.Loader.Images.Uki;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// A unified kernel image built here from Debian's bzImage, our initramfs and a command line, booted to
/// <c>start_kernel</c> as a VMM would boot it (KernelBoot.Run on the UKI file: the embedded initrd and command
/// line used, no options given), and the same boot of the three parts: the kernel accepts the same things.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class UkiBootRealKernelTests
{
    [Test]
    public void Boots_to_start_kernel_like_the_parts_it_wraps()
    {
        var uki = UkiRealKernelTests.Build(DebianBoot.BzImage);
        var options = new KernelBootOptions { Symbols = DebianBoot.Symbols, Until = "start_kernel", MemorySize = 512UL << 20 };

        var fromUki = KernelBoot.Run(uki, options);
        var fromParts = KernelBoot.Run(DebianBoot.BzImage, options with { Initrd = UkiRealKernelTests.Initramfs(), CommandLine = "console=ttyS0 nokaslr panic=-1" });

        foreach (var report in new[] { fromUki, fromParts })
        {
            report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
            report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
            report.Succeeded.ShouldBeTrue();
        }
        // What the kernel copied in (copy_bootdata: boot_params and boot_command_line) is the same.
        fromUki.Readback!.BootCommandLine.ShouldBe("console=ttyS0 nokaslr panic=-1");
        fromUki.Readback.BootCommandLine.ShouldBe(fromParts.Readback!.BootCommandLine);
        fromUki.Readback.X86!.Ramdisk.ShouldBe(fromParts.Readback.X86!.Ramdisk);
        fromUki.Readback.X86.Ramdisk.Size.ShouldBe((ulong)UkiRealKernelTests.Initramfs().Length);
        fromUki.Readback.X86.BootParams.ShouldBe(fromParts.Readback.X86.BootParams);
        fromUki.Protocol.ShouldBe(fromParts.Protocol);
        fromUki.KernelLoad.ShouldBe(fromParts.KernelLoad);
        fromUki.Instructions.ShouldBe(fromParts.Instructions);
        fromUki.Contracts.Where(c => c.Verdict == ContractVerdict.Pass).Select(c => c.Contract.Id)
            .ShouldBe(fromParts.Contracts.Where(c => c.Verdict == ContractVerdict.Pass).Select(c => c.Contract.Id));
    }
}
