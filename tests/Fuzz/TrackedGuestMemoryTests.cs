using LoaderHarness.Fuzz;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Fuzz;

/// <summary>
/// The reused fuzz RAM must see every write an input made, including one that wrote a byte some other input already
/// changed, and must hand the next input RAM that is all fill byte again.
/// </summary>
[TestFixture]
[Category("Fuzz")]
public sealed class TrackedGuestMemoryTests
{
    [TestCase((byte)0)]
    [TestCase((byte)0xA5)]
    public void Starts_all_fill_byte_with_no_change(byte fill)
    {
        using var ram = new TrackedGuestMemory([new GuestRegion(0x4000_0000, 4 << 20)], fill);
        ram.FirstChange().ShouldBeNull();
        ram.Memory.ReadBytes(0x4000_0000 + 0x12345, 64).ShouldAllBe(b => b == fill);
    }

    [Test]
    public void Finds_the_lowest_changed_byte_among_written_pages()
    {
        using var ram = new TrackedGuestMemory([new GuestRegion(0, 4 << 20)], 0xA5);
        ram.Memory.WriteU8(0x30_0007, 0);
        ram.Memory.WriteU8(0x1_2345, 0x5A);
        ram.FirstChange().ShouldBe(0x1_2345UL);
    }

    [Test]
    public void A_write_of_the_fill_byte_itself_is_no_change()
    {
        using var ram = new TrackedGuestMemory([new GuestRegion(0, 1 << 20)], 0xA5);
        ram.Memory.Fill(0x8000, 0x3000, 0xA5);
        ram.FirstChange().ShouldBeNull();
    }

    [Test]
    public void Reset_puts_the_fill_byte_back_everywhere_an_input_wrote()
    {
        using var ram = new TrackedGuestMemory([new GuestRegion(0, 1 << 20), new GuestRegion(0x1000_0000, 1 << 20)], 0xA5);
        ram.Memory.Fill(0xF_F000, 0x1000, 0);
        ram.Memory.WriteU64(0x1000_0008, 42);
        ram.FirstChange().ShouldBe(0xF_F000UL);
        ram.Reset();
        ram.FirstChange().ShouldBeNull();
        ram.Memory.ReadU64(0x1000_0008).ShouldBe(0xA5A5_A5A5_A5A5_A5A5UL);
        ram.Memory.ReadU8(0xF_FFFF).ShouldBe((byte)0xA5);
    }

    [Test]
    public void A_page_written_after_a_reset_is_seen_again()
    {
        using var ram = new TrackedGuestMemory([new GuestRegion(0, 1 << 20)], 0);
        ram.Memory.WriteU8(0x5000, 1);
        ram.Reset();
        ram.Memory.WriteU8(0x5001, 2);
        ram.FirstChange().ShouldBe(0x5001UL);
    }
}
