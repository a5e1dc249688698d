using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Memory;

/// <summary>
/// Guest memory knows which of its bytes are still the zeros it was created with while every write went through
/// it, so an all-or-nothing load need not read (and commit) fresh pages to save them; once a host pointer or a
/// writable view is out it knows nothing.
/// </summary>
[TestFixture]
public sealed unsafe class GuestMemoryKnownZeroTests
{
    [Test]
    public void Fresh_memory_is_known_zero()
    {
        using var memory = GuestMemory.Flat(1 << 20);

        memory.IsKnownZero(0, 1 << 20).ShouldBeTrue();
    }

    [Test]
    public void Written_ranges_are_not_known_zero_and_the_rest_stays_known()
    {
        using var memory = GuestMemory.Flat(1 << 20);
        memory.Write(0x1000, [1, 2, 3]);
        memory.Fill(0x8000, 0x100, 0);

        memory.IsKnownZero(0x1002, 1).ShouldBeFalse();
        memory.IsKnownZero(0, 0x2000).ShouldBeFalse();
        memory.IsKnownZero(0x80FF, 0x10).ShouldBeFalse();
        memory.IsKnownZero(0x1003, 0x7000 - 3).ShouldBeTrue();
        memory.IsKnownZero(0x8100, 0x1000).ShouldBeTrue();
    }

    [Test]
    public void A_writable_view_or_host_pointer_handed_out_ends_the_knowledge()
    {
        using var viewed = GuestMemory.Flat(1 << 20);
        viewed.GetSpan(0x1000, 4)[0] = 7;
        viewed.IsKnownZero(0x10000, 16).ShouldBeFalse();

        using var pointed = GuestMemory.Flat(1 << 20);
        pointed.TryTranslate(0x1000, out _);
        pointed.IsKnownZero(0x10000, 16).ShouldBeFalse();
    }

    [Test]
    public void Reads_keep_the_knowledge_and_ranges_outside_ram_are_not_known()
    {
        using var memory = GuestMemory.Flat(1 << 20);
        memory.ReadU64(0x2000).ShouldBe(0UL);
        memory.ReadBytes(0x3000, 16);

        memory.IsKnownZero(0x2000, 8).ShouldBeTrue();
        memory.IsKnownZero((1 << 20) - 8, 16).ShouldBeFalse();
    }

    [Test]
    public void A_failed_placement_over_fresh_memory_leaves_it_zero()
    {
        using var memory = GuestMemory.Flat(1 << 20);
        using (var journal = new WriteJournal(memory))
        {
            journal.Save(0x4000, 0x2000);
            memory.Fill(0x4000, 0x2000, 0xAB);
            journal.Restore();
        }

        memory.ReadBytes(0x4000, 0x2000).ShouldAllBe(b => b == 0);
    }
}
