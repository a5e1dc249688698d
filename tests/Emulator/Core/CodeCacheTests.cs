using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core;

/// <summary>The decoded-code cache both engines use: keys, slots, write invalidation and recycling, written and tested once.</summary>
[TestFixture]
public class CodeCacheTests
{
    private struct Entry
    {
        public int Value;
    }

    private static readonly CodeKey KeyA = new(0x10, 0, ulong.MaxValue, 64);

    [Test]
    public void A_new_page_is_reported_once_and_holds_what_was_added()
    {
        var cache = new CodeCache<Entry>();
        var page = cache.Fetch(5, KeyA, out var added);
        added.ShouldBeTrue();
        var slot = page.Add(0x100, 4);
        page.Entries[slot].Value = 42;

        cache.Fetch(5, KeyA, out added).ShouldBeSameAs(page);
        added.ShouldBeFalse();
        page.Slots[0x100].ShouldBe((ushort)slot);
        page.Entries[page.Slots[0x100]].Value.ShouldBe(42);
        cache.Contains(5).ShouldBeTrue();
        cache.Contains(6).ShouldBeFalse();
    }

    [Test]
    public void Fetching_under_another_key_empties_the_page()
    {
        var cache = new CodeCache<Entry>();
        var page = cache.Fetch(5, KeyA, out _);
        page.Add(0, 2);
        var generation = page.Generation;

        cache.Fetch(5, KeyA with { Page = 0x20 }, out _).ShouldBeSameAs(page);

        page.Slots[0].ShouldBe((ushort)0);
        page.Generation.ShouldNotBe(generation);
    }

    [TestCase(0x5100UL, 1, true)]   // the first byte of the entry
    [TestCase(0x5103UL, 1, true)]   // its last byte
    [TestCase(0x50FCUL, 4, false)]  // the bytes just before it
    [TestCase(0x5104UL, 8, false)]  // the bytes just after it
    [TestCase(0x50FEUL, 4, true)]   // a write overlapping its start
    public void A_write_empties_the_page_only_when_it_overlaps_decoded_bytes(ulong physical, int size, bool dropped)
    {
        var cache = new CodeCache<Entry>();
        var page = cache.Fetch(5, KeyA, out _);
        page.Add(0x100, 4);

        cache.InvalidateWrite(physical, size).ShouldBe(dropped);

        (page.Slots[0x100] == 0).ShouldBe(dropped);
        page.Key.ShouldBe(KeyA, "an emptied page keeps its key: the next fetch decodes into it again");
    }

    [Test]
    public void A_write_straddling_two_pages_empties_the_second_when_it_overlaps_there()
    {
        var cache = new CodeCache<Entry>();
        var second = cache.Fetch(6, default, out _);
        second.Add(0, 4);

        cache.InvalidateWrite(0x5FFE, 4).ShouldBeTrue();
        second.Slots[0].ShouldBe((ushort)0);
    }

    [Test]
    public void An_entry_keeps_its_contents_when_its_page_is_emptied_until_the_slot_is_reused()
    {
        // An instruction whose own store empties its page must finish with its own operands.
        var cache = new CodeCache<Entry>();
        var page = cache.Fetch(5, default, out _);
        var slot = page.Add(0, 4);
        page.Entries[slot].Value = 7;

        cache.InvalidateWrite(0x5000, 4);
        page.Entries[slot].Value.ShouldBe(7);

        page.Add(8, 4).ShouldBe(slot);
        page.Entries[slot].Value.ShouldBe(0, "a reused slot starts cleared (no stale chain links)");
    }

    [Test]
    public void Entries_grow_past_their_first_allocation()
    {
        var page = new CodeCache<Entry>().Fetch(1, default, out _);
        for (var offset = 0; offset < 4096; offset += 4)
        {
            var slot = page.Add(offset, 4); // may replace Entries: index it afterwards
            page.Entries[slot].Value = offset;
        }
        page.Count.ShouldBe(1025);
        page.Entries[page.Slots[4092]].Value.ShouldBe(4092);
    }

    [Test]
    public void Clearing_recycles_pages_empty()
    {
        var cache = new CodeCache<Entry>();
        var page = cache.Fetch(5, KeyA, out _);
        page.Add(0, 4);

        cache.Clear();

        cache.IsEmpty.ShouldBeTrue();
        cache.Contains(5).ShouldBeFalse();
        var reused = cache.Fetch(9, KeyA, out var added);
        added.ShouldBeTrue();
        reused.ShouldBeSameAs(page, "dropping the cache allocates nothing: pages are reused");
        reused.Slots[0].ShouldBe((ushort)0);
    }

    [Test]
    public void Pages_beyond_the_bitmap_are_still_found()
    {
        var cache = new CodeCache<Entry>();
        cache.Fetch(1UL << 30, default, out _);
        cache.Contains(1UL << 30).ShouldBeTrue();
        cache.InvalidateWrite(1UL << 42, 1).ShouldBeFalse();
    }
}
