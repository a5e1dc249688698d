using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

[TestFixture]
public sealed class SymbolTableTests
{
    private static SymbolTable Table() => new(
    [
        new(0xFFFF_FFFF_8100_0340, 'T', "__startup_64"),
        new(0xFFFF_FFFF_8100_0000, 'T', "_text"),
        new(0xFFFF_FFFF_8100_0000, 'T', "startup_64"),
        new(0x1000, 'A', "cpu_debug_store"),
        new(0xFFFF_FFFF_8200_0000, 'd', "dup"),
        new(0xFFFF_FFFF_8200_0100, 'D', "dup"),
        new(0xFFFF_FFFF_8200_0200, 'd', "dup"),
    ]);

    [Test]
    public void Symbols_are_sorted_by_address()
    {
        var addresses = Table().Symbols.Select(s => s.Address).ToArray();
        addresses.ShouldBe(addresses.Order().ToArray());
    }

    [Test]
    public void A_repeated_name_resolves_to_the_global_symbol() => Table().AddressOf("dup").ShouldBe(0xFFFF_FFFF_8200_0100UL);

    [Test]
    public void An_unknown_name_has_no_address() => Table().AddressOf("start_kernel").ShouldBeNull();

    [Test]
    public void Aliases_prefer_a_name_without_leading_underscore() => Table().NameAt(0xFFFF_FFFF_8100_0000).ShouldBe("startup_64");

    [TestCase(0xFFFF_FFFF_8100_0340UL, "__startup_64")]
    [TestCase(0xFFFF_FFFF_8100_036CUL, "__startup_64+0x2c")]
    [TestCase(0xFFFF_FFFF_8100_0001UL, "startup_64+0x1")]
    // Absolute (per-CPU) symbols are offsets, not places: 0x1234 lies in no symbol.
    [TestCase(0x1234UL, "0x1234")]
    public void Describe_names_the_containing_symbol(ulong address, string expected) => Table().Describe(address).ShouldBe(expected);

    [Test]
    public void Nothing_starts_between_symbols() => Table().NameAt(0xFFFF_FFFF_8100_0001).ShouldBeNull();
}
