using System.IO.Compression;
using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Loader;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli;

/// <summary>The command-line verbs end to end: output, JSON field names, exit codes.</summary>
[TestFixture]
public sealed class CliAppTests : CliTestFixture
{
    [Test]
    public void Inspect_elf_reports_the_pvh_entry_as_a_json_number()
    {
        var (code, output, _) = Run("inspect", WriteFile("elf", PeerImages.Read("test_elfnote.bin")), "--json");
        code.ShouldBe(0);
        var json = JsonNode.Parse(output)!;
        json["format"]!.GetValue<string>().ShouldBe("elf"); // enum values lowercase, as every report spells them
        json["pvhEntry"]!.GetValue<ulong>().ShouldBe(0x1E1FE1FUL); // linux-loader test_load_pvh
        json["segments"]!.AsArray().Count.ShouldBe(2);
    }

    [Test]
    public void Inspect_bzimage_uses_the_issues_field_names()
    {
        var image = BzImageWriter.Write(new BzImageSpec { Version = 0x020F, KernelInfoOffset = 0x40 });
        var (code, output, _) = Run("inspect", WriteFile("bz", image), "--json");
        code.ShouldBe(0);
        var json = JsonNode.Parse(output)!;
        json["protocolVersion"]!.GetValue<string>().ShouldBe("2.15");
        json["code32Start"]!.GetValue<uint>().ShouldBe(0x10_0000u);
        json["kernelAlignment"]!.GetValue<uint>().ShouldBe(0x20_0000u);
        json["relocatableKernel"]!.GetValue<bool>().ShouldBeTrue();
        json["xloadflags"]!.GetValue<ushort>().ShouldBe((ushort)3);
        json["cmdlineSize"]!.GetValue<uint>().ShouldBe(2047u);
        foreach (var name in new[] { "setupSects", "loadFlags", "initrdAddrMax", "payloadOffset", "payloadLength", "prefAddress", "initSize", "entry" })
            json[name].ShouldNotBeNull(name);
    }

    [Test]
    public void Inspect_image_reports_text_offset_and_image_size()
    {
        var json = JsonNode.Parse(Run("inspect", WriteFile("img", PeerImages.Read("test_arm64_image.bin")), "--json").Out)!;
        json["textOffset"]!.GetValue<ulong>().ShouldBe(0x80000UL);
        json["imageSize"].ShouldNotBeNull();
    }

    [Test]
    public void Load_writes_the_boot_structure_and_maps_everything()
    {
        var kernel = WriteFile("vmlinux", ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0040 }));
        var structure = Path.Combine(Dir, "start_info.bin");
        var (code, output, _) = Run("load", kernel, "--cmdline", "console=ttyS0", "--initrd", WriteFile("initrd", new byte[5000]),
            "--mem", "256M", "--json", "--boot-struct-out", structure);
        code.ShouldBe(0);
        var json = JsonNode.Parse(output)!;
        json["protocol"]!.GetValue<string>().ShouldBe("pvh");
        json["entry"]!.GetValue<ulong>().ShouldBe(0x100_0040UL);
        json["placements"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ShouldContain("initrd");
        // start_info magic (start_info.h XEN_HVM_START_MAGIC_VALUE) heads the file.
        BitConverter.ToUInt32(System.IO.File.ReadAllBytes(structure), 0).ShouldBe(0x336E_C578u);
    }

    [Test]
    public void Extract_vmlinux_decompresses_the_headers_payload()
    {
        var vmlinux = ElfWriter.Write(new ElfSpec());
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(vmlinux);
        var payload = compressed.ToArray(); // gzip's own ISIZE trailer is the kernel's size trailer
        var code = new byte[0x200 + payload.Length];
        payload.CopyTo(code, 0x200);
        // init_size covers the decompressed vmlinux, as header.S's INIT_SIZE always does.
        var image = BzImageWriter.Write(new BzImageSpec { ProtectedModeCode = code, Payload = (0x200, (uint)payload.Length), InitSize = 1 << 20 });
        var output = Path.Combine(Dir, "out.elf");
        Run("extract-vmlinux", WriteFile("bz", image), "-o", output).Code.ShouldBe(0);
        System.IO.File.ReadAllBytes(output).ShouldBe(vmlinux);
    }

    [TestCase("inspect")]
    [TestCase("load")]
    [TestCase("extract-vmlinux")]
    [TestCase("boot")]
    public void Every_verb_has_help(string verb)
    {
        var (code, output, _) = Run(verb, "--help");
        code.ShouldBe(0);
        output.ShouldContain("Usage:");
    }

    [Test]
    public void Bad_usage_and_bad_input_exit_with_2()
    {
        Run().Code.ShouldBe(2);
        Run("inspect").Code.ShouldBe(2);
        Run("load", WriteFile("k", new byte[10]), "--mem", "lots").Code.ShouldBe(2);
        var (code, _, error) = Run("inspect", WriteFile("junk", new byte[4096]));
        code.ShouldBe(2);
        error.ShouldContain("UnknownImageFormat");
        Run("inspect", Path.Combine(Dir, "missing")).Code.ShouldBe(2);
        Run("extract-vmlinux", WriteFile("elf", PeerImages.Read("test_elf.bin")), "-o", Path.Combine(Dir, "x")).Code.ShouldBe(2);
    }

    [TestCase("inspect")] // the kernel argument is missing
    [TestCase("extract-vmlinux", "k")] // --output is required
    [TestCase("boot", "k", "--engine", "fast")]
    public void Parse_errors_are_one_line_with_their_code(params string[] args)
    {
        var (code, _, error) = Run(args);
        code.ShouldBe(CliApp.BadInput);
        error.TrimEnd().ShouldNotContain('\n');
        error.ShouldStartWith("error (BadOption): ");
        error.TrimEnd().ShouldEndWith("(run with --help for usage)");
    }
}
