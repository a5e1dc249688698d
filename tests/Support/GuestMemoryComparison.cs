using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Tests.Support;

/// <summary>Compares two guests' RAM, region by region, a megabyte at a time.</summary>
internal static class GuestMemoryComparison
{
    /// <summary>The first guest-physical address where the two differ, or null when every byte is the same.</summary>
    public static ulong? FirstDifference(GuestMemory a, GuestMemory b)
    {
        if (!a.Regions.SequenceEqual(b.Regions))
            throw new ArgumentException("the guests' RAM layouts differ");
        const int Chunk = 1 << 20;
        var left = new byte[Chunk];
        var right = new byte[Chunk];
        foreach (var region in a.Regions)
        {
            for (ulong offset = 0; offset < region.Size; offset += Chunk)
            {
                var length = (int)Math.Min(Chunk, region.Size - offset);
                a.Read(region.Start + offset, left.AsSpan(0, length));
                b.Read(region.Start + offset, right.AsSpan(0, length));
                var at = left.AsSpan(0, length).CommonPrefixLength(right.AsSpan(0, length));
                if (at < length)
                    return region.Start + offset + (ulong)at;
            }
        }
        return null;
    }
}
