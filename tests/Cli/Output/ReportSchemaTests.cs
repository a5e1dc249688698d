using System.IO.Compression;
using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Loader;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Output;

/// <summary>
/// Every verb's real <c>--json</c> output against docs/schema/loader-harness.schema.json, validated by
/// JsonSchema.Net: the one schema the README documents is the one the tool writes, and a field the schema
/// does not describe fails here.
/// </summary>
[TestFixture]
public sealed class ReportSchemaTests : CliTestFixture
{
    private static string Generated(string name) => Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", name);

    [TestCase("vmlinux-pvh.elf")]
    [TestCase("vmlinux-linux64.elf")]
    [TestCase("bzImage-2.00")]
    [TestCase("bzImage-2.06")]
    [TestCase("bzImage-2.15")]
    [TestCase("arm64/arm64-stub.Image")]
    public void Inspect_json_of_each_fixture_matches_the_schema(string fixture)
    {
        var (code, output, error) = Run("inspect", Generated(fixture), "--json");

        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
        JsonNode.Parse(output)!["command"]!.GetValue<string>().ShouldBe("inspect");
    }

    [TestCase("test_elfnote.bin")]
    [TestCase("test_arm64_image.bin")]
    [TestCase("test_riscv64_image.bin")]
    public void Inspect_json_of_peer_images_matches_the_schema(string image)
    {
        var (code, output, error) = Run("inspect", WriteFile(image, PeerImages.Read(image)), "--json");

        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
    }

    [TestCase("vmlinux-pvh.elf")]
    [TestCase("bzImage-2.15")]
    [TestCase("bzImage-2.02")]
    [TestCase("arm64/arm64-stub.Image")]
    public void Load_json_matches_the_schema(string fixture)
    {
        var (code, output, error) = Run("load", Generated(fixture), "--cmdline", "console=ttyS0", "--initrd", WriteFile("initrd", new byte[5000]), "--json");

        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
        var json = JsonNode.Parse(output)!;
        json["entryHex"]!.GetValue<string>().ShouldBe($"0x{json["entry"]!.GetValue<ulong>():x}");
    }

    [Test]
    public void Extract_vmlinux_json_matches_the_schema()
    {
        var vmlinux = ElfWriter.Write(new ElfSpec());
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(vmlinux);
        var payload = compressed.ToArray();
        var code = new byte[0x200 + payload.Length];
        payload.CopyTo(code, 0x200);
        var image = BzImageWriter.Write(new BzImageSpec { ProtectedModeCode = code, Payload = (0x200, (uint)payload.Length), InitSize = 1 << 20 });

        var (exit, output, error) = Run("extract-vmlinux", WriteFile("bz", image), "-o", Path.Combine(Dir, "out.elf"), "--json");

        exit.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
        JsonNode.Parse(output)!["payloadCompression"]!.GetValue<string>().ShouldBe("gzip");
    }

    [Test]
    public void Inspect_and_load_json_of_a_unified_kernel_image_match_the_schema()
    {
        var uki = WriteFile("uki.efi", UkiBuilder.Build(File.ReadAllBytes(Generated("bzImage-2.15")), new byte[4096], "console=ttyS0",
            "PRETTY_NAME=\"Test\"\n", "6.1.0"));

        foreach (var verb in new[] { "inspect", "load" })
        {
            var (code, output, error) = Run(verb, uki, "--json");

            code.ShouldBe(CliApp.Ok, error);
            ReportSchemaFile.ShouldMatch(output);
            JsonNode.Parse(output)!["format"]!.GetValue<string>().ShouldBe("uki");
        }
    }

    [Test]
    public void Inspect_json_of_an_efi_zboot_image_matches_the_schema()
    {
        var zboot = WriteFile("zboot.efi", ZbootBuilder.Build(File.ReadAllBytes(Generated("arm64/arm64-stub.Image")), "gzip"));

        var (code, output, error) = Run("inspect", zboot, "--json");

        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
        JsonNode.Parse(output)!["zboot"]!["compressionType"]!.GetValue<string>().ShouldBe("gzip");
    }

    [Test]
    [Category("RealKernel")]
    public void Inspect_and_relocated_load_json_of_a_kernel_with_note_19_match_the_schema()
    {
        // Debian 6.12's vmlinux carries XEN_ELFNOTE_PHYS32_RELOC (Xen public/elfnote.h, note 19).
        var vmlinux = Path.Combine(DebianKernelSet.Amd64Cloud612.Directory(), "vmlinux");

        var (code, output, error) = Run("inspect", vmlinux, "--json");
        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
        JsonNode.Parse(output)!["pvhRelocation"]!["valuesInNote"]!.GetValue<int>().ShouldBeGreaterThan(0);

        (code, output, error) = Run("load", vmlinux, "--protocol", "pvh", "--pvh-seed", "7", "--json");
        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
    }

    [Test]
    public void Measure_json_matches_the_schema()
    {
        var (code, output, error) = Run("measure", Generated("bzImage-2.15"), "--cmdline", "console=ttyS0", "--json");

        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
        JsonNode.Parse(output)!["command"]!.GetValue<string>().ShouldBe("measure");
    }

    [Test]
    public void Boot_json_matches_the_schema()
    {
        // 32-bit PVH code at 0x1000000: mov eax, [ebx]; jmp +0x0c; hlt at +0x10.
        byte[] program = [0x8B, 0x03, 0xEB, 0x0C, .. new byte[0x0C], 0xF4, .. new byte[0x1EF]];
        var kernel = WriteFile("vmlinux", ElfWriter.Write(new ElfSpec { Code = program, PvhEntry = 0x100_0000 }));
        var map = WriteFile("System.map", "ffffffff81000000 T _text\nffffffff81000010 T target\n"u8.ToArray());

        var (code, output, error) = Run("boot", kernel, "--system-map", map, "--until", "target", "--json");

        code.ShouldBe(CliApp.Ok, error);
        ReportSchemaFile.ShouldMatch(output);
    }

    [TestCase("pvh")]
    [TestCase("linux16")]
    [TestCase("arm64")]
    public void Conform_json_matches_the_schema(string protocol)
    {
        var report = Path.Combine(Dir, "conform.json");

        var (code, output, _) = Run("conform", "--protocol", protocol, "--json", report);

        code.ShouldBe(CliApp.Ok, output);
        ReportSchemaFile.ShouldMatch(File.ReadAllText(report));
    }

    [Test]
    public void A_failing_conform_run_matches_the_schema()
    {
        var report = Path.Combine(Dir, "conform.json");
        var image = File.ReadAllBytes(Generated("bzImage-2.15"));
        image.AsSpan(0x230, 4).Clear(); // boot.rst kernel_alignment (0x230) zeroed: a faulty kernel, still a report

        Run("conform", "--kernel", WriteFile("bzImage", image), "--json", report).Code.ShouldBe(CliApp.CheckFailed);

        ReportSchemaFile.ShouldMatch(File.ReadAllText(report));
    }

    [TestCase("inspect", "vmlinux-pvh.elf")]
    [TestCase("load", "bzImage-2.15")]
    public void A_property_the_schema_does_not_know_fails_validation(string verb, string fixture)
    {
        var json = JsonNode.Parse(Run(verb, Generated(fixture), "--json").Out)!.AsObject();
        json["undocumentedField"] = 1;

        ReportSchemaFile.Errors(json.ToJsonString()).ShouldNotBeEmpty();
    }

    [Test]
    public void A_nested_property_the_schema_does_not_know_fails_validation()
    {
        var json = JsonNode.Parse(Run("load", Generated("bzImage-2.15"), "--json").Out)!.AsObject();
        json["placements"]![0]!["colour"] = "red";

        ReportSchemaFile.Errors(json.ToJsonString()).ShouldNotBeEmpty();
    }

    [Test]
    public void Every_report_carries_the_schema_version_the_schema_accepts()
    {
        var json = JsonNode.Parse(Run("inspect", Generated("bzImage-2.15"), "--json").Out)!.AsObject();
        json["schemaVersion"]!.GetValue<string>().ShouldBe(ReportSchema.Version);
        json["schemaVersion"] = "2.0";

        ReportSchemaFile.Errors(json.ToJsonString()).ShouldNotBeEmpty();
        ReportSchemaFile.Document["$id"]!.GetValue<string>().ShouldBe(ReportSchema.Id);
    }

    [Test]
    public void Every_verb_with_a_json_option_has_a_definition_in_the_schema()
    {
        var commands = ReportSchemaFile.Document["properties"]!["command"]!["enum"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        var verbs = Verbs();
        verbs.ShouldNotBeEmpty();

        foreach (var verb in verbs)
        {
            var help = Run(verb, "--help").Out;
            if (help.Contains("--json"))
                commands.ShouldContain(verb, $"{verb} has --json but docs/schema/loader-harness.schema.json has no definition for it");
        }
    }

    [Test]
    public void Every_enum_value_a_report_can_write_is_in_the_schema()
    {
        var defs = ReportSchemaFile.Document["$defs"]!;
        Values<StopReason>().ShouldBeSubsetOf(Enum(defs["stopReason"]!));
        Values<MemoryType>().ShouldBeSubsetOf(Enum(defs["memoryType"]!));
        Values<ImageFormat>().ShouldBeSubsetOf(Enum(defs["imageFormat"]!));
        Values<BootProtocol>().ShouldBeSubsetOf(Enum(defs["protocol"]!));
        Values<GuestArchitecture>().ShouldBeSubsetOf(Enum(defs["architecture"]!));
        Values<PayloadCompression>().ShouldBeSubsetOf(Enum(defs["compression"]!));
        Values<BootMilestoneKind>().ShouldBeSubsetOf(Enum(defs["milestone"]!["properties"]!["kind"]!));
    }

    private static IEnumerable<string> Values<T>() where T : struct, Enum => System.Enum.GetValues<T>().Select(v => JsonNames.Of(v));

    private static List<string> Enum(JsonNode definition) => definition["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();

    /// <summary>The verbs the root help lists (the lines under "Commands:").</summary>
    private static List<string> Verbs()
    {
        var lines = Run("--help").Out.Split('\n');
        return lines.SkipWhile(l => !l.StartsWith("Commands:")).Skip(1)
            .TakeWhile(l => l.StartsWith("  "))
            .Select(l => l.Trim().Split(' ', 2)[0])
            .Where(v => v.Length > 0)
            .ToList();
    }
}
