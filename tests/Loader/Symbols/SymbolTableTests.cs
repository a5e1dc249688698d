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
    public void SymbolsAreSortedByAddress()
    {
        var addresses = Table().Symbols.Select(s => s.Address).ToArray();
        addresses.ShouldBe(addresses.Order().ToArray());
    }

    [Test]
    public void ARepeatedNameResolvesToTheGlobalSymbol() => Table().AddressOf("dup").ShouldBe(0xFFFF_FFFF_8200_0100UL);

    [Test]
    public void AnUnknownNameHasNoAddress() => Table().AddressOf("start_kernel").ShouldBeNull();

    [Test]
    public void AliasesPreferANameWithoutLeadingUnderscore() => Table().NameAt(0xFFFF_FFFF_8100_0000).ShouldBe("startup_64");

    [TestCase(0xFFFF_FFFF_8100_0340UL, "__startup_64")]
    [TestCase(0xFFFF_FFFF_8100_036CUL, "__startup_64+0x2c")]
    [TestCase(0xFFFF_FFFF_8100_0001UL, "startup_64+0x1")]
    // Absolute (per-CPU) symbols are offsets, not places: 0x1234 lies in no symbol.
    [TestCase(0x1234UL, "0x1234")]
    public void DescribeNamesTheContainingSymbol(ulong address, string expected) => Table().Describe(address).ShouldBe(expected);

    [Test]
    public void NothingStartsBetweenSymbols() => Table().NameAt(0xFFFF_FFFF_8100_0001).ShouldBeNull();
}
