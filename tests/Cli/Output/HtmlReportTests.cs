using System.Text.RegularExpressions;
using System.Xml.Linq;
using LoaderHarness.Cli;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Reports;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Output;

/// <summary>
/// <c>conform --html</c> and <c>boot --html</c> as files: self-contained, with the case matrix, the contracts'
/// sources, a memory-map picture whose sizes keep their order, and the console. The browser test
/// (<see cref="HtmlReportBrowserTests"/>) checks what a browser draws from them.
/// </summary>
[TestFixture]
public sealed partial class HtmlReportTests : CliTestFixture
{
    /// <summary>32-bit PVH code at 0x1000000: mov eax, [ebx]; jmp +0x0c; hlt at +0x10.</summary>
    private static readonly byte[] Program = [0x8B, 0x03, 0xEB, 0x0C, .. new byte[0x0C], 0xF4, .. new byte[0x1EF]];

    /// <summary>Writes a tiny PVH kernel and its System.map; returns the boot arguments up to the options.</summary>
    internal static string[] TinyBoot(Func<string, byte[], string> write) =>
    [
        "boot", write("vmlinux", ElfWriter.Write(new ElfSpec { Code = Program, PvhEntry = 0x100_0000 })),
        "--system-map", write("System.map", "ffffffff81000000 T _text\nffffffff81000010 T target\n"u8.ToArray()),
        "--until", "target", "--initrd", write("initrd", new byte[0x3000]), "--cmdline", "console=ttyS0",
    ];

    [Test]
    public void Conform_html_is_one_self_contained_file()
    {
        var path = Path.Combine(Dir, "report.html");

        Run("conform", "--protocol", "pvh", "--html", path).Code.ShouldBe(CliApp.Ok);

        var html = File.ReadAllText(path);
        html.ShouldStartWith("<!DOCTYPE html>");
        // Nothing fetched: no stylesheet, script or image by URL (the only URL is SVG's namespace name).
        Urls().Matches(html).Select(m => m.Value).Distinct().ShouldBe(["http://www.w3.org/2000/svg"]);
        html.ShouldNotContain("<link");
        html.ShouldNotContain(" src=");
        html.ShouldContain("default-src 'none'");
    }

    [Test]
    public void Conform_html_has_the_matrix_every_case_and_each_contract_with_its_source()
    {
        var path = Path.Combine(Dir, "report.html");

        Run("conform", "--protocol", "pvh", "--html", path).Code.ShouldBe(CliApp.Ok);

        var html = File.ReadAllText(path);
        html.ShouldContain("<h2>Case matrix</h2>");
        foreach (var profile in new[] { "spec", "firecracker", "cloud-hypervisor", "qemu", "microvm" })
            html.ShouldContain($"<th>{profile}</th>");
        Regex.Matches(html, "<details id=\"case-").Count.ShouldBe(5);
        // The catalogue row of a PVH contract cites the PVH ABI.
        var row = Regex.Match(html, "<tr id=\"contract-x86.pvh.start-info-magic\">.*?</tr>").Value;
        row.ShouldContain("<cite>");
        row.ShouldContain("start_info");
        html.ShouldContain("class=\"memory-map\"");
        html.ShouldContain("class=\"timeline\"");
        html.ShouldContain("<h3>Console</h3>");
    }

    [Test]
    public void Boot_html_draws_every_kind_of_area_the_boot_placed()
    {
        var path = Path.Combine(Dir, "boot.html");

        var (code, _, error) = Run([.. TinyBoot(WriteFile), "--html", path]);

        code.ShouldBe(CliApp.Ok, error);
        var svg = MemoryMapOf(File.ReadAllText(path));
        var kinds = svg.Descendants(Svg + "g").Select(g => (string?)g.Attribute("data-kind")).OfType<string>().ToHashSet();
        kinds.ShouldBe(["ram", "map-ram", "map-reserved", "kernel", "initrd", "command-line", "boot-structure", "page-tables", "stack", "other"], ignoreOrder: true);
        // Every area says its exact range on hover.
        var initrd = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-kind") == "initrd");
        initrd.Element(Svg + "title")!.Value.ShouldMatch(@"^initrd: \[0x[0-9a-f]+, 0x[0-9a-f]+\), 12 KiB$");
    }

    [Test]
    public void Boot_html_shows_the_mmio_gap_when_ram_reaches_it()
    {
        var path = Path.Combine(Dir, "boot.html");

        // 4 GiB of RAM: Firecracker's layout puts 3 GiB below the 32-bit MMIO gap and the rest above 4 GiB.
        Run([.. TinyBoot(WriteFile), "--mem", "4G", "--html", path]).Code.ShouldBe(CliApp.Ok);

        var gap = MemoryMapOf(File.ReadAllText(path)).Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-kind") == "mmio-gap");
        gap.Element(Svg + "title")!.Value.ShouldBe("MMIO gap: [0xc0000000, 0x100000000), 1 GiB");
    }

    [Test]
    public void A_larger_area_is_drawn_taller_and_a_tiny_one_still_shows()
    {
        var map = new GuestMap
        {
            AddressSpace = [new GuestMapArea("RAM", GuestMapKind.Ram, 0, 1UL << 30)],
            MemoryMap = [],
            Placed =
            [
                new GuestMapArea("command line", GuestMapKind.CommandLine, 0x2_0000, 1),
                new GuestMapArea("zero page", GuestMapKind.BootStructure, 0x7000, 0x1000),
                new GuestMapArea("kernel", GuestMapKind.Kernel, 0x100_0000, 0x200_0000),
            ],
        };

        var svg = XElement.Parse(MemoryMapSvg.Render(map));

        double Height(string name) => (double)svg.Descendants(Svg + "g").Single(g => g.Attribute("data-kind") is not null && (string?)g.Attribute("data-name") == name).Element(Svg + "rect")!.Attribute("height")!;
        Height("command line").ShouldBeGreaterThanOrEqualTo(12);
        Height("zero page").ShouldBeGreaterThan(Height("command line"));
        Height("kernel").ShouldBeGreaterThan(Height("zero page"));
        Height("RAM").ShouldBeGreaterThan(Height("kernel"));
    }

    [TestCase(1UL, "1 bytes")]
    [TestCase(48UL, "48 bytes")]
    [TestCase(0x3000UL, "12 KiB")]
    [TestCase(0x9FC00UL, "639 KiB")]
    [TestCase(1UL << 30, "1 GiB")]
    [TestCase(0x1_8000_0000UL, "6 GiB")]
    [TestCase(0xBFF0_0000UL, "3071 MiB")] // x86 RAM from 1 MiB to the MMIO gap: not "3 GiB"
    [TestCase(0x182_6710UL, "~24.15 MiB")] // exact only in bytes
    [TestCase(0x4_0400UL, "257 KiB")]
    public void Sizes_are_printed_as_people_read_them(ulong bytes, string text) => MemoryMapSvg.Size(bytes).ShouldBe(text);

    [Test]
    public void A_bad_html_path_fails_before_the_run()
    {
        var (code, output, error) = Run([.. TinyBoot(WriteFile), "--html", Dir]);

        code.ShouldBe(CliApp.BadInput);
        error.ShouldBe($"error (BadOutputPath): --html {Dir} is a directory; give a file name\n", StringCompareShould.IgnoreLineEndings);
        output.ShouldBeEmpty();
    }

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XElement MemoryMapOf(string html)
    {
        var start = html.IndexOf("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"memory-map\"", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0);
        return XElement.Parse(html[start..(html.IndexOf("</svg>", start, StringComparison.Ordinal) + 6)]);
    }

    [GeneratedRegex("https?://[^\"' )<>]+")]
    private static partial Regex Urls();
}
