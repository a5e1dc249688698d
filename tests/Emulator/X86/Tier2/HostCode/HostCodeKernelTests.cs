using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86.Tier2.HostCode;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Emulator.Boot;
using LoaderHarness.Tests.Support;
using NUnit.Framework;

namespace LoaderHarness.Tests.Emulator.X86.Tier2.HostCode;

/// <summary>
/// Debian's cloud bzImage through its own lz4 decompressor (64-bit code, about 106 M instructions, its hot loop compiled
/// to host code) to start_kernel, and the PVH vmlinux to its first console line: with the host-code back end the boot
/// stops where the interpreter's does, after the same count, with the same console, readback and verdicts.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class HostCodeKernelTests
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";

    [SetUp]
    public void OnlyWhereHostCodeRuns()
    {
        if (!ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
    }

    [Test]
    public void Bzimage_through_its_decompressor_ends_as_interpreted()
    {
        var expected = Boot(DebianBoot.BzImage, "start_kernel", hostCode: false);
        var actual = Boot(DebianBoot.BzImage, "start_kernel", hostCode: true);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"bzImage to start_kernel: {actual.Instructions:N0} instructions; interpreter {expected.WallTime.TotalSeconds:F2} s, host code {actual.WallTime.TotalSeconds:F2} s");
    }

    [Test]
    public void Pvh_boot_to_the_console_ends_as_interpreted()
    {
        var expected = Boot(DebianBoot.Vmlinux, "console", hostCode: false);
        var actual = Boot(DebianBoot.Vmlinux, "console", hostCode: true);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"PVH to console: {actual.Instructions:N0} instructions; interpreter {expected.WallTime.TotalSeconds:F2} s, host code {actual.WallTime.TotalSeconds:F2} s");
    }

    private static BootReport Boot(byte[] kernel, string until, bool hostCode)
        => DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), Initrd = DebianBoot.Initrd, CommandLine = Cmdline },
            until: until, engine: hostCode ? EngineTier.Tiered : EngineTier.Interpreter, hostCode: hostCode).Report;
}
