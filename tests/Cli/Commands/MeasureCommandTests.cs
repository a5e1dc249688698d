using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Tests.Loader;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary>The <c>measure</c> verb end to end: the JSON digests, the table file, and bad input as one line with exit 2.</summary>
[TestFixture]
public sealed class MeasureCommandTests : CliTestFixture
{
    private static byte[] Kernel()
    {
        var kernel = Enumerable.Range(0, 4096).Select(i => (byte)(i ^ 0x5A)).ToArray();
        kernel[0x1F1] = 3; // setup_sects: a (3 + 1) * 512-byte setup
        return kernel;
    }

    [Test]
    public void Prints_the_three_digests_and_writes_the_table()
    {
        var kernel = Kernel();
        var initrd = Enumerable.Range(0, 999).Select(i => (byte)i).ToArray();
        var tablePath = Path.Combine(Dir, "hashes.bin");

        var (code, output, error) = Run("measure", WriteFile("bzImage", kernel), "--initrd", WriteFile("initrd", initrd),
            "--cmdline", "console=ttyS0", "--sev-hashes-out", tablePath, "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["kernelSha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(kernel)));
        json["initrdSha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(initrd)));
        json["cmdlineSha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData("console=ttyS0\0"u8)));
        json["setupSize"]!.GetValue<ulong>().ShouldBe(2048UL);
        var table = File.ReadAllBytes(tablePath);
        table.Length.ShouldBe(176);
        json["table"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(table));
    }

    [Test]
    public void A_PVH_vmlinux_is_one_line_and_exit_2()
    {
        var (code, _, error) = Run("measure", WriteFile("vmlinux", PeerImages.Read("test_elfnote.bin")));

        code.ShouldBe(CliApp.BadInput);
        error.ShouldStartWith("error (MeasureUnsupportedKernel):");
        error.TrimEnd().ShouldNotContain('\n');
    }
}
