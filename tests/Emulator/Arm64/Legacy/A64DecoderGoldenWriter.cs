using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64.Legacy;

/// <summary>Records A64DecoderGolden.txt from the old decoder (run once, explicitly).</summary>
[TestFixture]
[Explicit]
public unsafe class A64DecoderGoldenWriter
{
    [Test]
    public void Write_golden_from_the_old_decoder()
    {
        A64DecoderGolden.Decoder decode = (uint word, ref A64Instruction d) =>
        {
            if (CapstoneA64.Describe(word) is null)
            {
                d = default;
                d.Word = word;
                d.Handler = &SystemInstructions.Undefined;
            }
            else if (!LegacyA64Decoder.TryDecode(word, ref d))
                d.Handler = &SystemInstructions.Unimplemented;
        };
        File.WriteAllLines(A64DecoderGolden.FilePath, A64DecoderGolden.Lines(A64DecoderGolden.FreshWords(), decode, LegacyA64Decoder.TryDecode));
    }
}
