using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Tests.Support;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// The recorded decoder verdicts in A64DecoderGolden.txt: words decoded in full (Capstone's gate, then the
/// table) one per line, and per-handler digests of the table stage over a pseudo-random sample.
/// </summary>
internal static unsafe class A64DecoderGolden
{
    /// <summary>Setting this environment variable to <c>write</c> makes the golden test rewrite the file.</summary>
    public const string WriteVariable = "A64_DECODER_GOLDEN";

    /// <summary>How many xorshift32 words the digests cover.</summary>
    public const int UniformWords = 4_000_000;

    public delegate void Decoder(uint word, ref A64Instruction d);

    public delegate bool TableStage(uint word, ref A64Instruction d);

    public static string FilePath => Path.Combine(DebianKernel.RepositoryRoot(), "tests", "Emulator", "Arm64", "A64DecoderGolden.txt");

    private static readonly string[] Header =
    [
        "# A64 decoder golden data (tests/Emulator/Arm64/A64DecoderGoldenTests.cs).",
        "# Regenerate after an intended decode change: A64_DECODER_GOLDEN=write dotnet test tests -c Release",
        "#   --filter FullyQualifiedName~A64DecoderGoldenTests, then review the diff.",
        "# word <word> <handler> <imm> <imm2> <rd> <rn> <rm> <ra> <size> <op> <is64> <breakpoint>: A64Decoder.Decode,",
        "#   for 4 words inside every table row and every word of the arm64 fixture stub.",
        $"# digest <handler> <count> <fnv1a64 of the word lines>: A64Decoder.TryDecode over {UniformWords} xorshift32 words.",
    ];

    /// <summary>The words the file records one by one, as it lists them.</summary>
    public static uint[] RecordedWords(IEnumerable<string> lines) =>
        [.. lines.Where(l => l.StartsWith("word ", StringComparison.Ordinal)).Select(l => Convert.ToUInt32(l.Substring(5, 8), 16))];

    /// <summary>The words a fresh file records: four inside every row, then the fixture stub.</summary>
    public static uint[] FreshWords() => [.. A64DecodeSample.RowDirected(4).Concat(A64DecodeSample.Words(A64DecodeSample.FixtureStub())).Distinct()];

    /// <summary>The file's lines for <paramref name="words"/> under the given decoder.</summary>
    public static List<string> Lines(IEnumerable<uint> words, Decoder decode, TableStage tableStage)
    {
        var lines = new List<string>(Header);
        A64Instruction d = default;
        foreach (var word in words)
        {
            decode(word, ref d);
            lines.Add("word " + A64DecodeSample.Render(d));
        }
        var digests = new SortedDictionary<string, (long Count, ulong Hash)>(StringComparer.Ordinal);
        foreach (var word in A64DecodeSample.Uniform(UniformWords))
        {
            tableStage(word, ref d);
            var name = A64DecodeSample.HandlerName(d);
            var (count, hash) = digests.TryGetValue(name, out var entry) ? entry : (0, 0xCBF2_9CE4_8422_2325UL);
            foreach (var c in A64DecodeSample.Render(d))
                hash = (hash ^ c) * 0x0000_0100_0000_01B3UL;
            digests[name] = (count + 1, hash);
        }
        foreach (var (name, (count, hash)) in digests)
            lines.Add($"digest {name} {count} {hash:x16}");
        return lines;
    }
}
