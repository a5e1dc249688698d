using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>The A64 decode table as a whole: well formed, every row reachable, the index agreeing with a plain scan.</summary>
[TestFixture]
public unsafe class A64DecoderTableTests
{
    [Test]
    public void Every_row_has_a_handler_shape_and_name()
    {
        foreach (var row in A64Decoder.Rows())
        {
            row.Name.ShouldNotBeNullOrWhiteSpace();
            ((nint)row.Handler).ShouldNotBe(0, row.Name);
            ((nint)row.Operands).ShouldNotBe(0, row.Name);
            (row.Value & ~row.Mask).ShouldBe(0u, row.Name);
        }
    }

    [Test]
    public void No_two_rows_share_a_pattern_and_a_name() =>
        A64Decoder.Rows().GroupBy(r => (r.Mask, r.Value, r.Name)).Where(g => g.Count() > 1).Select(g => g.Key.Name).ShouldBeEmpty();

    [Test]
    public void Every_row_decodes_some_word()
    {
        // A row more general than a carve-out still owns words outside it; one no word reaches is dead. Rows
        // whose shape looks the register up (MRS, MSR) need many tries to land on a listed register.
        var dead = new List<string>();
        var words = A64DecodeSample.Uniform(int.MaxValue, 0xC0FF_EE11).GetEnumerator();
        foreach (var row in A64Decoder.Rows())
        {
            var reached = false;
            for (var attempt = 0; attempt < 1 << 16 && !reached; attempt++)
            {
                words.MoveNext();
                var word = row.Value | (words.Current & ~row.Mask);
                A64Instruction d = default;
                reached = A64Decoder.Match(word, ref d) == row.Name;
            }
            if (!reached)
                dead.Add(row.Name);
        }
        dead.ShouldBeEmpty();
    }

    [Test]
    public void Index_agrees_with_a_scan_of_the_whole_table() =>
        AssertIndexAgreesWithScan(A64DecodeSample.Uniform(200_000).Concat(A64DecodeSample.RowDirected(64)));

    [Test]
    [Category("RealKernel")]
    [Category("Slow")]
    public void Index_agrees_with_a_scan_on_the_debian_arm64_image() =>
        AssertIndexAgreesWithScan(A64DecodeSample.Words(DebianArm64Kernel.Image()));

    private static void AssertIndexAgreesWithScan(IEnumerable<uint> words)
    {
        // The first accepting row in specificity order over the unindexed table is what the bucket must find.
        var rows = A64Decoder.Rows().Select((row, i) => (row, i)).OrderByDescending(p => p.row.FixedBits).ThenBy(p => p.i).Select(p => p.row).ToArray();
        foreach (var word in words)
        {
            A64Instruction indexed = default, scanned = default;
            var byIndex = A64Decoder.Match(word, ref indexed);
            string? byScan = null;
            foreach (var row in rows)
            {
                if (!row.Matches(word))
                    continue;
                scanned = default;
                scanned.Word = word;
                if (row.Operands(word, ref scanned))
                {
                    byScan = row.Name;
                    break;
                }
            }
            if (byIndex != byScan)
                byIndex.ShouldBe(byScan, $"word 0x{word:x8}");
        }
    }

    [Test]
    public void Buckets_stay_short()
    {
        // The system-instruction bucket (hints, barriers, SYS operations) is the longest by design.
        TestContext.Out.WriteLine($"{A64Decoder.Rows().Length} rows, largest bucket {A64Decoder.LargestBucket()}");
        A64Decoder.LargestBucket().ShouldBeLessThanOrEqualTo(24);
    }

    [TestCase(0xD503_207Fu, "WFI")]
    [TestCase(0xD503_201Fu, "HINT")]
    [TestCase(0x1400_0000u, "B (to itself)")]
    [TestCase(0x1400_0001u, "B")]
    [TestCase(0xD65F_03C0u, "RET")]
    [TestCase(0xD538_4240u, "MRS")]
    public void Known_words_select_their_row(uint word, string name)
    {
        // Encodings from the Arm ARM C6.2 pages (WFI, NOP, B, RET, MRS CurrentEL).
        A64Instruction d = default;
        A64Decoder.Match(word, ref d).ShouldBe(name);
    }

    [Test]
    public void Word_no_row_accepts_leaves_only_the_word()
    {
        // 0x00000000 is UDF #0 (permanently undefined, C6.2 UDF): no row.
        A64Instruction d = default;
        d.Rd = 5;
        A64Decoder.TryDecode(0, ref d).ShouldBeFalse();
        d.Rd.ShouldBe((byte)0);
        ((nint)d.Handler).ShouldBe(0);
    }
}
