using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

[TestFixture]
public sealed class SystemMapParserTests
{
    [Test]
    public void Parses_system_map_lines()
    {
        // scripts/mksysmap: "nm -n" output, one "address type name" per line.
        var table = SystemMapParser.Parse("ffffffff81000000 T _text\nffffffff81000000 T startup_64\nffffffff8304ee41 T start_kernel\n");

        table.Count.ShouldBe(3);
        table.AddressOf("start_kernel").ShouldBe(0xFFFF_FFFF_8304_EE41UL);
        table.TryGet("_text", out var text).ShouldBeTrue();
        text.Type.ShouldBe('T');
    }

    [Test]
    public void Accepts_kallsyms_module_column_and_crlf()
    {
        // /proc/kallsyms (kernel/kallsyms.c s_show): module symbols end in "\t[module]".
        var table = SystemMapParser.Parse("ffffffffc0000000 t virtio_init\t[virtio]\r\nffffffff81000000 T _text\r\n");

        table.AddressOf("virtio_init").ShouldBe(0xFFFF_FFFF_C000_0000UL);
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        // Debian's linux-image-*-unsigned ships this one line instead of the map (fixtures/kernels/amd64/System.map).
        yield return new TestCaseData("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n").SetName("Debian placeholder");
        yield return new TestCaseData("").SetName("empty");
        yield return new TestCaseData("zzzz T name\n").SetName("address not hex");
        yield return new TestCaseData("ffffffff81000000 TT name\n").SetName("type not one letter");
        yield return new TestCaseData("ffffffff81000000 T\n").SetName("two fields");
    }

    [TestCaseSource(nameof(Malformed))]
    public void Malformed_listings_are_invalid_system_map(string text) =>
        Should.Throw<LoaderException>(() => SystemMapParser.Parse(text)).Code.ShouldBe(LoaderError.InvalidSystemMap);
}
