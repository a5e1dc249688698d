using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Cmdline;

[TestFixture]
public class CmdlineBuilderTests
{
    [Test]
    public void Splits_boot_and_init_args_and_trims()
    {
        var cmdline = CmdlineBuilder.Build("  console=ttyS0 quiet --  single  ", 64);
        cmdline.BootArgs.ShouldBe("console=ttyS0 quiet");
        cmdline.InitArgs.ShouldBe("single");
        cmdline.ToString().ShouldBe("console=ttyS0 quiet -- single");
        cmdline.Capacity.ShouldBe(64);
    }

    [Test]
    public void Empty_line_is_just_the_nul() => CmdlineBuilder.Build("", 16).AsCString().ShouldBe(new byte[] { 0 });

    [Test]
    public void Non_ascii_is_rejected() =>
        Should.Throw<LoaderException>(() => CmdlineBuilder.Build("console=tty\u00e9", 64)).Code.ShouldBe(LoaderError.InvalidAscii);

    [Test]
    public void Too_long_for_the_capacity_is_rejected() =>
        // 8 characters + NUL do not fit 8 bytes.
        Should.Throw<LoaderException>(() => CmdlineBuilder.Build("abcdefgh", 8)).Code.ShouldBe(LoaderError.InvalidCapacity);

    [Test]
    public void Capacities_are_the_kernels_command_line_sizes()
    {
        // arch/x86/include/asm/setup.h, arch/arm64/include/uapi/asm/setup.h, arch/riscv/include/uapi/asm/setup.h.
        CmdlineBuilder.X86Capacity.ShouldBe(2048);
        CmdlineBuilder.Arm64Capacity.ShouldBe(2048);
        CmdlineBuilder.Riscv64Capacity.ShouldBe(1024);
    }
}
