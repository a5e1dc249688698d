using LoaderHarness.Emulator.Core;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core;

/// <summary>A page of decoded code backs its entries' memory in batches ahead of them, growing with the page, instead of a fault per fresh page.</summary>
[TestFixture]
public sealed unsafe class CodePageBackingTests
{
    /// <summary>An entry of 256 bytes: 16 to a host page.</summary>
    private struct Entry
    {
#pragma warning disable CS0649 // only its size matters
        public fixed byte Bytes[256];
#pragma warning restore CS0649
    }

    [Test]
    public void Entries_find_their_memory_backed_ahead_in_growing_batches()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("needs Linux's /proc/self/pagemap");
        var page = new CodePage<Entry>();
        page.Reset(CodeKey.None);
        var first = page.Add(0, 1);
        fixed (Entry* entries = page.Entries)
        {
            Present((byte*)&entries[first + 1] + 16 * 4096).ShouldBeFalse(); // nothing far ahead of the first entry

            // Past a page of entries: the next page is backed before any entry is written to it.
            var last = first;
            for (var offset = 1; offset <= 16; offset++)
                last = page.Add(offset, 1);
            Present((byte*)&entries[last + 1] + 4096).ShouldBeTrue();

            // 400 entries (100 KiB) on: still ahead, by at most 64 KiB.
            for (var offset = 17; offset <= 400; offset++)
                last = page.Add(offset, 1);
            var end = (byte*)&entries[last + 1];
            Present(end + 4096).ShouldBeTrue();
            Present(end + (64 << 10) + 4096).ShouldBeFalse();
        }
    }

    private static bool Present(byte* at) => (Pagemap.Entry(at) & Pagemap.Present) != 0;
}
