using System.Text;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Legacy;

/// <summary>
/// The decode table against the nested-switch decoder it replaces: same handler and same operand fields
/// (or the same rejection) for millions of pseudo-random words, words inside every row, the fixture stub
/// and the Debian arm64 Image.
/// </summary>
[TestFixture]
[Category("Slow")]
public unsafe class A64DecoderEquivalenceTests
{
    [Test]
    public void Uniform_words_decode_as_before() => AssertEquivalent(A64DecodeSample.Uniform(4_000_000));

    [Test]
    public void Words_inside_every_row_decode_as_before() => AssertEquivalent(A64DecodeSample.RowDirected(4096));

    [Test]
    public void Fixture_stub_decodes_as_before() => AssertEquivalent(A64DecodeSample.Words(A64DecodeSample.FixtureStub()));

    [Test]
    [Category("RealKernel")]
    public void Debian_arm64_image_decodes_as_before() => AssertEquivalent(A64DecodeSample.Words(DebianArm64Kernel.Image()));

    private static void AssertEquivalent(IEnumerable<uint> words)
    {
        var checkedWords = 0;
        var accepted = 0;
        var differences = 0;
        var report = new StringBuilder();
        A64Instruction table = default, legacy = default;
        foreach (var word in words)
        {
            checkedWords++;
            var byTable = A64Decoder.TryDecode(word, ref table);
            var byLegacy = LegacyA64Decoder.TryDecode(word, ref legacy);
            accepted += byLegacy ? 1 : 0;
            if (byTable == byLegacy && A64DecodeSample.Same(table, legacy))
                continue;
            if (++differences <= 20)
                report.AppendLine($"table:  {A64DecodeSample.Render(table)}\nlegacy: {A64DecodeSample.Render(legacy)}");
        }
        TestContext.Out.WriteLine($"{checkedWords} words, {accepted} accepted by the old decoder");
        differences.ShouldBe(0, $"{differences} of {checkedWords} words decode differently:\n{report}");
    }
}
