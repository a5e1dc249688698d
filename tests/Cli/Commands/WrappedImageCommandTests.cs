using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Tests.Loader;
using LoaderHarness.Tests.Loader.Images.Uki;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary><c>inspect</c> and <c>load</c> on unified kernel images and EFI zboot images: the wrapper named, the inner kernel's fields after it.</summary>
[TestFixture]
public sealed class WrappedImageCommandTests : CliTestFixture
{
    private static readonly byte[] Elf = PeerImages.Read("test_elfnote.bin");
    private static readonly byte[] Initrd = Enumerable.Range(0, 0x1234).Select(i => (byte)(i * 3)).ToArray();

    [Test]
    public void Inspect_names_the_uki_its_parts_and_the_inner_kernels_fields()
    {
        var uki = WriteFile("uki.efi", UkiBuilder.Build(Elf, Initrd, "console=ttyS0\n", osrel: "NAME=Test\nPRETTY_NAME=\"Test OS 1\"\n", uname: "6.1.0"));

        var (code, output, error) = Run("inspect", uki, "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["format"]!.GetValue<string>().ShouldBe("uki");
        json["innerFormat"]!.GetValue<string>().ShouldBe("elf");
        json["uki"]!["cmdline"]!.GetValue<string>().ShouldBe("console=ttyS0");
        json["uki"]!["initrdSize"]!.GetValue<ulong>().ShouldBe((ulong)Initrd.Length);
        json["uki"]!["osRelease"]!.GetValue<string>().ShouldBe("Test OS 1");
        json["uki"]!["uname"]!.GetValue<string>().ShouldBe("6.1.0");
        json["uki"]!["sections"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).ShouldBe([".text", ".osrel", ".cmdline", ".uname", ".initrd", ".linux"]);
        // The inner vmlinux's own facts follow, as inspect prints them for the bare file.
        var bare = JsonNode.Parse(Run("inspect", WriteFile("vmlinux", Elf), "--json").Out)!;
        json["pvhEntry"]!.GetValue<ulong>().ShouldBe(bare["pvhEntry"]!.GetValue<ulong>());
        json["segments"]!.ToJsonString().ShouldBe(bare["segments"]!.ToJsonString());
    }

    [Test]
    public void Load_uses_the_ukis_initrd_and_command_line_unless_given()
    {
        var uki = WriteFile("uki.efi", UkiBuilder.Build(Elf, Initrd, "console=ttyS0 quiet"));

        var embedded = JsonNode.Parse(Run("load", uki, "--json").Out)!;
        embedded["format"]!.GetValue<string>().ShouldBe("uki");
        embedded["innerFormat"]!.GetValue<string>().ShouldBe("elf");
        embedded["commandLine"]!.GetValue<string>().ShouldBe("console=ttyS0 quiet");
        embedded["initrd"]!["size"]!.GetValue<ulong>().ShouldBe((ulong)Initrd.Length);

        var overridden = JsonNode.Parse(Run("load", uki, "--cmdline", "panic=-1", "--initrd", WriteFile("other", [1, 2, 3]), "--json").Out)!;
        overridden["commandLine"]!.GetValue<string>().ShouldBe("panic=-1");
        overridden["initrd"]!["size"]!.GetValue<ulong>().ShouldBe(3UL);

        // Given empty, the command line is empty: an explicit --cmdline "" overrides too.
        JsonNode.Parse(Run("load", uki, "--cmdline", "", "--json").Out)!["commandLine"]!.GetValue<string>().ShouldBe("");
    }

    [Test]
    public void Load_of_a_uki_places_what_the_parts_place()
    {
        var uki = JsonNode.Parse(Run("load", WriteFile("uki.efi", UkiBuilder.Build(Elf, Initrd, "console=ttyS0")), "--json").Out)!;
        var parts = JsonNode.Parse(Run("load", WriteFile("vmlinux", Elf), "--initrd", WriteFile("initrd", Initrd), "--cmdline", "console=ttyS0", "--json").Out)!;

        foreach (var field in new[] { "protocol", "entry", "kernelLoad", "kernelEnd", "bootStructureAddress", "commandLineAddress", "initrd", "placements", "memoryMap" })
            uki[field]!.ToJsonString().ShouldBe(parts[field]!.ToJsonString(), field);
    }

    [TestCase("gzip")]
    [TestCase("zstd22")]
    public void Inspect_and_load_of_a_zboot_image_show_the_Image(string compression)
    {
        var arm64 = PeerImages.Read("test_arm64_image.bin");
        var zboot = WriteFile("vmlinuz.efi", ZbootBuilder.Build(arm64, compression));

        var inspect = JsonNode.Parse(Run("inspect", zboot, "--json").Out)!;
        inspect["format"]!.GetValue<string>().ShouldBe("zboot");
        inspect["innerFormat"]!.GetValue<string>().ShouldBe("arm64-image");
        inspect["zboot"]!["compressionType"]!.GetValue<string>().ShouldBe(compression);
        inspect["architecture"]!.GetValue<string>().ShouldBe("arm64");

        var (code, output, error) = Run("load", zboot, "--json");
        code.ShouldBe(CliApp.Ok, error);
        var load = JsonNode.Parse(output)!;
        load["format"]!.GetValue<string>().ShouldBe("zboot");
        load["protocol"]!.GetValue<string>().ShouldBe("arm64");
        load["kernelLoad"]!.GetValue<ulong>().ShouldBe(JsonNode.Parse(Run("load", WriteFile("Image", arm64), "--json").Out)!["kernelLoad"]!.GetValue<ulong>());
    }

    [Test]
    [Category("RealKernel")]
    [Category("Slow")]
    public void Boot_of_a_uki_runs_its_kernel_with_its_own_initrd_and_command_line()
    {
        var uki = WriteFile("debian.efi", UkiRealKernelTests.Build(DebianKernel.BzImage()));

        var (code, output, error) = Run("boot", uki, "--until", "start_kernel", "--mem", "512M", "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["milestone"]!.GetValue<string>().ShouldBe("start_kernel");
        json["architecture"]!.GetValue<string>().ShouldBe("x86_64");
        json.ToJsonString().ShouldContain("console=ttyS0 nokaslr panic=-1");
    }

    [Test]
    public void A_damaged_uki_is_one_line_and_exit_2()
    {
        var bytes = UkiBuilder.Build(Elf, Initrd);
        var (code, _, error) = Run("inspect", WriteFile("bad.efi", bytes.AsSpan(0, bytes.Length - 0x200).ToArray()));

        code.ShouldBe(CliApp.BadInput);
        error.ShouldStartWith("error (PeSectionOutsideFile):");
        error.TrimEnd().ShouldNotContain('\n');
    }
}
