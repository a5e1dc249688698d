using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>A recovered kallsyms table written as bytes reads back answering every lookup alike; bytes that are not one read as null.</summary>
[TestFixture]
public sealed class SymbolTableFileTests
{
    private const ulong Text = 0xFFFF_FFFF_8100_0000;

    internal static byte[] Vmlinux()
    {
        var symbols = new List<KernelSymbol> { new(Text, 'T', "_text"), new(Text, 'T', "startup_64"), new(Text + 0x400, 't', "long_" + new string('x', 195)) };
        for (var i = 0; i < 300; i++)
            symbols.Add(new(Text + 0x1000 + (ulong)i * 0x10, i % 2 == 0 ? 'T' : 'd', $"sym_{i:D3}"));
        return ElfWriter.Write(new ElfSpec { Code = new KallsymsBlob { Symbols = [.. symbols] }.Build(), VirtualAddress = Text });
    }

    [Test]
    public void A_written_table_reads_back_with_the_same_symbols()
    {
        var table = KallsymsReader.Recover(Vmlinux());

        var read = SymbolTableFile.TryRead(SymbolTableFile.Write(table).ShouldNotBeNull()).ShouldNotBeNull();

        read.Symbols.ShouldBe(table.Symbols);
        read.AddressOf("sym_123").ShouldBe(table.AddressOf("sym_123"));
        read.Describe(Text + 0x1005).ShouldBe("sym_000+0x5");
    }

    [Test]
    public void A_table_read_in_place_answers_every_lookup_alike()
    {
        var table = KallsymsReader.Recover(Vmlinux());
        var bytes = SymbolTableFile.Write(table).ShouldNotBeNull();

        var read = SymbolTableFile.TryReadInPlace(bytes).ShouldNotBeNull();

        read.Symbols.ShouldBe(table.Symbols);
        read.AddressOf("sym_123").ShouldBe(table.AddressOf("sym_123"));
        read.Describe(Text + 0x1005).ShouldBe("sym_000+0x5");
    }

    [Test]
    public void Every_truncation_read_in_place_reads_as_null()
    {
        var bytes = SymbolTableFile.Write(KallsymsReader.Recover(Vmlinux())).ShouldNotBeNull();

        for (var length = 0; length < bytes.Length; length += 1 + length / 16)
            SymbolTableFile.TryReadInPlace(bytes.AsMemory(0, length)).ShouldBeNull($"{length} of {bytes.Length} bytes");
    }

    [Test]
    public void A_table_from_a_system_map_is_not_written()
    {
        SymbolTableFile.Write(new SymbolTable([new KernelSymbol(Text, 'T', "_text")])).ShouldBeNull();
    }

    [Test]
    public void Every_truncation_of_a_written_table_reads_as_null()
    {
        var bytes = SymbolTableFile.Write(KallsymsReader.Recover(Vmlinux())).ShouldNotBeNull();

        for (var length = 0; length < bytes.Length; length += 1 + length / 16)
            SymbolTableFile.TryRead(bytes.AsSpan(0, length)).ShouldBeNull($"{length} of {bytes.Length} bytes");
    }

    [Test]
    public void A_name_length_pointing_past_the_names_reads_as_null()
    {
        var bytes = SymbolTableFile.Write(KallsymsReader.Recover(Vmlinux())).ShouldNotBeNull();
        // The first name's length byte follows the magic, the count, the flags, the addresses and the names' length.
        var count = BitConverter.ToInt32(bytes, 8);
        bytes[8 + 4 + 1 + 8 * count + 4] = 0x7F;

        SymbolTableFile.TryRead(bytes).ShouldBeNull();
    }
}
