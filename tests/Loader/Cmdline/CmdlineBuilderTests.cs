using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Cmdline;

[TestFixture]
public class CmdlineBuilderTests
{
    [Test]
    public void SplitsBootAndInitArgsAndTrims()
    {
        var cmdline = CmdlineBuilder.Build("  console=ttyS0 quiet --  single  ", 64);
        cmdline.BootArgs.ShouldBe("console=ttyS0 quiet");
        cmdline.InitArgs.ShouldBe("single");
        cmdline.ToString().ShouldBe("console=ttyS0 quiet -- single");
        cmdline.Capacity.ShouldBe(64);
    }

    [Test]
    public void EmptyLineIsJustTheNul() => CmdlineBuilder.Build("", 16).AsCString().ShouldBe(new byte[] { 0 });

    [Test]
    public void NonAsciiIsRejected() =>
        Should.Throw<LoaderException>(() => CmdlineBuilder.Build("console=tty\u00e9", 64)).Code.ShouldBe(LoaderError.InvalidAscii);

    [Test]
    public void TooLongForTheCapacityIsRejected() =>
        // 8 characters + NUL do not fit 8 bytes.
        Should.Throw<LoaderException>(() => CmdlineBuilder.Build("abcdefgh", 8)).Code.ShouldBe(LoaderError.InvalidCapacity);

    [Test]
    public void CapacitiesAreTheKernelsCommandLineSizes()
    {
        // arch/x86/include/asm/setup.h, arch/arm64/include/uapi/asm/setup.h, arch/riscv/include/uapi/asm/setup.h.
        CmdlineBuilder.X86Capacity.ShouldBe(2048);
        CmdlineBuilder.Arm64Capacity.ShouldBe(2048);
        CmdlineBuilder.Riscv64Capacity.ShouldBe(1024);
    }
}
