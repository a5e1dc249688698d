using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>Kallsyms recovery from synthetic vmlinux files laid out as scripts/kallsyms.c writes them.</summary>
[TestFixture]
public sealed class KallsymsReaderTests
{
    private const ulong Text = 0xFFFF_FFFF_8100_0000;

    /// <summary>x86-64 shape: per-CPU absolute symbols first, then text and data; more than 256 so several markers exist.</summary>
    private static KernelSymbol[] Symbols()
    {
        var list = new List<KernelSymbol>
        {
            new(0, 'A', "fixed_percpu_data"),
            new(0x1000, 'A', "cpu_debug_store"),
            new(Text, 'T', "_text"),
            new(Text, 'T', "startup_64"),
            new(Text + 0x340, 'T', "__startup_64"),
            // 200 characters: longer than 127 compressed bytes, so the two-byte length form is used.
            new(Text + 0x400, 't', "long_" + new string('x', 195)),
        };
        for (var i = 0; i < 400; i++)
            list.Add(new(Text + 0x1000 + (ulong)i * 0x10, i % 2 == 0 ? 'T' : 'd', $"sym_{i:D3}"));
        return [.. list];
    }

    private static IEnumerable<TestCaseData> Layouts()
    {
        yield return new TestCaseData(new KallsymsBlob { Symbols = Symbols() }).SetName("6.1 order with seqs_of_names");
        yield return new TestCaseData(new KallsymsBlob { Symbols = Symbols(), SeqsOfNames = false }).SetName("6.1 order without seqs_of_names");
        yield return new TestCaseData(new KallsymsBlob { Symbols = Symbols(), Order64 = true }).SetName("6.4 order");
        yield return new TestCaseData(new KallsymsBlob
        {
            Symbols = [.. Symbols().Where(s => !s.IsAbsolute)],
            AbsolutePercpu = false,
        }).SetName("without KALLSYMS_ABSOLUTE_PERCPU");
    }

    [TestCaseSource(nameof(Layouts))]
    public void Recovers_every_symbol_in_order(KallsymsBlob blob)
    {
        var elf = ElfWriter.Write(new ElfSpec { Code = blob.Build(), VirtualAddress = Text });

        var table = KallsymsReader.Recover(elf);

        table.Symbols.ShouldBe(blob.Symbols.OrderBy(s => s.Address).ToArray());
        table.AddressOf("__startup_64").ShouldBe(Text + 0x340);
    }

    [Test]
    public void An_image_without_kallsyms_is_kallsyms_not_found()
    {
        var elf = ElfWriter.Write(new ElfSpec { Code = new byte[0x4000], VirtualAddress = Text });

        Should.Throw<LoaderException>(() => KallsymsReader.Recover(elf)).Code.ShouldBe(LoaderError.KallsymsNotFound);
    }

    [Test]
    public void A_wrong_marker_is_rejected()
    {
        var blob = new KallsymsBlob { Symbols = Symbols(), SeqsOfNames = false, Order64 = true, Padding = 8 }.Build();
        // 406 symbols, two markers: without seqs_of_names they are the 8 bytes right below the token table
        // ("@@\0" at its start); the second (symbol 256's offset into the names) now points elsewhere.
        var tokenTable = blob.AsSpan().IndexOf("@@\0"u8);
        blob[tokenTable - 4]++;

        var elf = ElfWriter.Write(new ElfSpec { Code = blob, VirtualAddress = Text });

        Should.Throw<LoaderException>(() => KallsymsReader.Recover(elf)).Code.ShouldBe(LoaderError.KallsymsNotFound);
    }
}
