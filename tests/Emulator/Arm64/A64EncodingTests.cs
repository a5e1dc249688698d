using LoaderHarness.Emulator.Arm64;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>The decode table's row patterns: bit 31 first, 0/1 fixed, x free, spaces ignored.</summary>
[TestFixture]
public class A64EncodingTests
{
    [Test]
    public void Pattern_fixes_its_zeros_and_ones()
    {
        // ADD (immediate), Arm ARM C6.2: sf 0 0 100010 sh imm12 Rn Rd.
        var (mask, value) = A64Encoding.Parse("x 0 0 100010 x xxxxxxxxxxxx xxxxx xxxxx");

        mask.ShouldBe(0x7F80_0000u);
        value.ShouldBe(0x1100_0000u);
    }

    [TestCase("0000")]
    [TestCase("000101 xxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [TestCase("000101 xxxxxxxxxxxxxxxxxxxxxxxxx?")]
    public void Pattern_without_exactly_32_bits_of_0_1_x_is_refused(string pattern) =>
        Should.Throw<ArgumentException>(() => A64Encoding.Parse(pattern));

    [Test]
    public void Row_matches_words_with_its_fixed_bits()
    {
        // B.cond requires o0 (bit 4) clear.
        var row = A64Encoding.Parse("0101010 0 xxxxxxxxxxxxxxxxxxx 0 xxxx");

        (0x5400_0041u & row.Mask).ShouldBe(row.Value);
        (0x5400_0051u & row.Mask).ShouldNotBe(row.Value);
    }
}
