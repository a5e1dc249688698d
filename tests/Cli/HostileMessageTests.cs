using LoaderHarness.Cli;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli;

/// <summary>Errors say what is wrong in the project's terms: one line, exit 2, the allowed values, no .NET type names.</summary>
[TestFixture]
public sealed class HostileMessageTests : CliTestFixture
{
    private static string ShouldFailOnOneLine((int Code, string Out, string Err) result)
    {
        result.Code.ShouldBe(CliApp.BadInput);
        result.Err.TrimEnd().ShouldNotContain('\n');
        result.Err.ShouldNotContain("System.");
        result.Err.ShouldNotContain("LoaderHarness.");
        return result.Err;
    }

    [Test]
    public void Option_parse_errors_list_the_allowed_values()
    {
        var kernel = WriteFile("bz", BzImageWriter.Write(new BzImageSpec()));
        ShouldFailOnOneLine(Run("load", kernel, "--protocol", "bogus")).ShouldContain("expected auto, linux64, linux32, linux16, pvh, arm64, riscv64");
        ShouldFailOnOneLine(Run("conform", "--protocol", "bogus")).ShouldContain("expected auto, pvh, linux64, linux32, linux16, arm64");
        ShouldFailOnOneLine(Run("boot", kernel, "--max-instructions", "lots")).ShouldContain("expected a whole number");
        ShouldFailOnOneLine(Run("conform", "--max-instructions", "-1")).ShouldContain("expected a whole number");
        ShouldFailOnOneLine(Run("boot", kernel, "--seed", "x")).ShouldContain("--seed 'x'");
    }

    [Test]
    public void Damaged_HdrS_is_named_as_a_bzImage_header()
    {
        var image = BzImageWriter.Write(new BzImageSpec());
        "XXXX"u8.CopyTo(image.AsSpan(0x202));
        var path = WriteFile("bz", image);
        ShouldFailOnOneLine(Run("inspect", path)).ShouldContain("(InvalidBzImage): boot_flag 0xAA55 at 0x1fe but 0x202 holds 58585858");
        ShouldFailOnOneLine(Run("load", path)).ShouldContain("(InvalidBzImage)");
    }

    [TestCase("console=ttyS0 café", "InvalidAscii")]
    [TestCase(null, "InvalidCapacity")]
    public void Conform_refuses_a_bad_command_line_before_the_matrix_runs(string? line, string code)
    {
        var (exit, output, error) = Run("conform", "--cmdline", line ?? new string('a', 5000));
        exit.ShouldBe(CliApp.BadInput);
        output.ShouldBeEmpty();
        error.TrimEnd().ShouldNotContain('\n');
        error.ShouldContain(code);
    }

    [Test]
    public void Boot_of_a_real_arm64_image_until_an_unknown_symbol_is_unknown_symbol()
    {
        var image = Path.Combine(DebianKernelSet.Arm64Cloud61.Directory(), "Image");
        ShouldFailOnOneLine(Run("boot", image, "--until", "no_such_symbol"))
            .ShouldContain("(UnknownSymbol): the kernel has no code symbol 'no_such_symbol'");
    }
}
