using LoaderHarness.Emulator.Arm64;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// The decoder against its recorded verdicts (A64DecoderGolden.txt, first recorded from the nested-switch
/// decoder the table replaced): any change in which handler a word gets, or in any operand field, shows up
/// here and, once intended, as a reviewed diff of that file.
/// </summary>
[TestFixture]
[Category("Slow")]
public unsafe class A64DecoderGoldenTests
{
    [Test]
    public void Decoder_matches_its_recorded_verdicts()
    {
        if (Environment.GetEnvironmentVariable(A64DecoderGolden.WriteVariable) == "write")
        {
            File.WriteAllLines(A64DecoderGolden.FilePath, A64DecoderGolden.Lines(A64DecoderGolden.FreshWords(), A64Decoder.Decode, A64Decoder.TryDecode));
            Assert.Pass($"wrote {A64DecoderGolden.FilePath}");
        }

        var recorded = File.ReadAllLines(A64DecoderGolden.FilePath);
        var words = A64DecoderGolden.RecordedWords(recorded);
        words.Length.ShouldBeGreaterThan(500);
        var actual = A64DecoderGolden.Lines(words, A64Decoder.Decode, A64Decoder.TryDecode);

        var differences = recorded.Except(actual).Take(20).Select(l => "recorded: " + l)
            .Concat(actual.Except(recorded).Take(20).Select(l => "now:      " + l)).ToList();
        differences.ShouldBeEmpty($"decoding differs from {A64DecoderGolden.FilePath} (regenerate with {A64DecoderGolden.WriteVariable}=write if intended)");
    }
}
