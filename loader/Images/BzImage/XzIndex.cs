using System.Buffers.Binary;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// Reads the uncompressed size an xz stream's index records (xz file-format spec 1.2.1, section 2.1.2.4
/// "Stream Footer" and section 4 "Index"), so an xz payload's size trailer can be checked against the stream
/// itself before any output or dictionary is allocated.
/// </summary>
internal static class XzIndex
{
    private const int FooterLength = 12;

    /// <summary>The sum of the index's uncompressed sizes, or null when footer or index do not parse (the decoder then reports the corruption).</summary>
    public static ulong? UncompressedSize(ReadOnlySpan<byte> stream)
    {
        // Stream padding (section 2.2) is zero bytes in multiples of four after the footer.
        var end = stream.Length;
        while (end >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(stream[(end - 4)..end]) == 0)
            end -= 4;
        if (end < FooterLength + 12)
            return null;
        var footer = stream[(end - FooterLength)..end];
        if (footer[10] != (byte)'Y' || footer[11] != (byte)'Z')
            return null;
        // Backward Size: (stored + 1) * 4 bytes of index.
        var indexLength = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]) + 1) * 4;
        if (indexLength > (ulong)(end - FooterLength))
            return null;
        var index = stream.Slice(end - FooterLength - (int)indexLength, (int)indexLength);
        if (index[0] != 0)
            return null;
        var at = 1;
        if (!ReadVarint(index, ref at, out var records) || records > (ulong)index.Length)
            return null;
        ulong total = 0;
        for (ulong i = 0; i < records; i++)
        {
            if (!ReadVarint(index, ref at, out _) || !ReadVarint(index, ref at, out var uncompressed))
                return null;
            total += uncompressed;
            if (total < uncompressed)
                return null;
        }
        return total;
    }

    /// <summary>The spec's multibyte integer: 7 bits a byte, low first, at most 9 bytes.</summary>
    private static bool ReadVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            if (at >= data.Length)
                return false;
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return true;
        }
        return false;
    }
}
