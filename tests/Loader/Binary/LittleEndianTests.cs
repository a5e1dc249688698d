using LoaderHarness.Loader.Binary;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Binary;

[TestFixture]
public class LittleEndianTests
{
    [Test]
    public void Writes_low_byte_first_at_the_offset()
    {
        var b = new byte[16];
        LittleEndian.WriteU16(b, 1, 0x0201);
        LittleEndian.WriteU32(b, 3, 0x0605_0403);
        LittleEndian.WriteU64(b, 7, 0x0E0D_0C0B_0A09_0807);
        b.ShouldBe(new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0 });
    }

    [Test]
    public void Reads_what_was_written()
    {
        var b = new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0 };
        LittleEndian.ReadU16(b, 1).ShouldBe((ushort)0x0201);
        LittleEndian.ReadU32(b, 3).ShouldBe(0x0605_0403u);
        LittleEndian.ReadU64(b, 7).ShouldBe(0x0E0D_0C0B_0A09_0807UL);
    }

    [Test]
    public void A_field_past_the_end_throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => LittleEndian.ReadU32(new byte[6], 3));
}
