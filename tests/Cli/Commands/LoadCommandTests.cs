using System.Text.Json.Nodes;
using LoaderHarness.Tests.Loader.Images.Elf;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary><c>load --pvh-relocate</c> / <c>--pvh-seed</c> and <c>inspect</c>'s <c>pvhRelocation</c> for a vmlinux with XEN_ELFNOTE_PHYS32_RELOC.</summary>
[TestFixture]
public sealed class LoadCommandTests : CliTestFixture
{
    // 1 MiB image linked at 16 MiB, PVH entry +0x40; note 19 with align and min only (max defaults to 0xffffffff).
    private string Kernel() => WriteFile("vmlinux", NoteElf.Build(
        [NoteElf.Segment(NoteElf.Reloc(0x20_0000, 0x100_0000), NoteElf.Entry(0x100_0040))], 0x100_0000, 0x10_0000));

    [Test]
    public void Pvh_relocate_loads_at_the_address_and_enters_there()
    {
        var (code, output, error) = Run("load", Kernel(), "--protocol", "pvh", "--pvh-relocate", "0x3000000", "--mem", "256M", "--json");
        code.ShouldBe(0, error);
        var json = JsonNode.Parse(output)!;
        json["entry"]!.GetValue<ulong>().ShouldBe(0x300_0040UL);
        json["placements"]!.AsArray().First(p => p!["name"]!.GetValue<string>() == "kernel")!["address"]!.GetValue<ulong>().ShouldBe(0x300_0000UL);
    }

    [Test]
    public void Pvh_seed_is_deterministic()
    {
        string Entry() => JsonNode.Parse(Run("load", Kernel(), "--protocol", "pvh", "--pvh-seed", "42", "--mem", "256M", "--json").Out)!["entry"]!.ToJsonString();
        Entry().ShouldBe(Entry());
    }

    [Test]
    public void An_address_the_note_forbids_or_both_options_exit_with_2()
    {
        Run("load", Kernel(), "--protocol", "pvh", "--pvh-relocate", "0x3100000", "--mem", "256M").Code.ShouldBe(2);
        Run("load", Kernel(), "--protocol", "pvh", "--pvh-relocate", "0x3000000", "--pvh-seed", "1", "--mem", "256M").Code.ShouldBe(2);
    }

    [Test]
    public void Inspect_reports_pvh_relocation_with_defaults_applied()
    {
        var (code, output, _) = Run("inspect", Kernel(), "--json");
        code.ShouldBe(0);
        var relocation = JsonNode.Parse(output)!["pvhRelocation"]!;
        relocation["align"]!.GetValue<ulong>().ShouldBe(0x20_0000UL);
        relocation["min"]!.GetValue<ulong>().ShouldBe(0x100_0000UL);
        relocation["max"]!.GetValue<ulong>().ShouldBe(0xFFFF_FFFFUL); // elfnote.h default for the missing third value
        relocation["valuesInNote"]!.GetValue<ulong>().ShouldBe(2UL);
    }

    [Test]
    public void Initrd_above_4g_puts_the_initrd_past_4_gib()
    {
        var kernel = WriteFile("vmlinux", LoaderHarness.Fixtures.Images.ElfWriter.Write(new LoaderHarness.Fixtures.Images.ElfSpec { PvhEntry = 0x100_0000 }));
        var (code, output, error) = Run("load", kernel, "--initrd", WriteFile("initrd", new byte[5000]), "--initrd-above-4g", "--protocol", "linux64", "--mem", "5G", "--json");
        code.ShouldBe(0, error);
        JsonNode.Parse(output)!["initrd"]!["address"]!.GetValue<ulong>().ShouldBeGreaterThanOrEqualTo(1UL << 32);
    }
}
