using System.Buffers.Binary;
using K4os.Compression.LZ4;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// Decodes the lz4 legacy frame the kernel build writes (<c>lz4 -l</c>, scripts/Makefile.lib cmd_lz4_with_size):
/// magic 0x184C2102, then blocks, each a 4-byte little-endian compressed length followed by one LZ4 block
/// that decodes to at most 8 MiB (lz4 doc/lz4_Frame_format.md "Legacy frame"). A repeated magic between
/// blocks starts a new frame and is skipped, as lib/decompress_unlz4.c does. The frame has no end mark:
/// it ends where its bytes end.
/// </summary>
internal static class Lz4LegacyFrame
{
    /// <summary>ARCHIVE_MAGICNUMBER (lib/decompress_unlz4.c), stored little-endian.</summary>
    internal const uint Magic = 0x184C2102;

    /// <summary>Uncompressed size of a full legacy block (lz4 LEGACY_BLOCKSIZE, 8 MiB).</summary>
    private const int BlockSize = 8 << 20;

    /// <summary>Decodes <paramref name="frame"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    internal static int Decode(ReadOnlySpan<byte> frame, Span<byte> destination)
    {
        var maxBlockLength = LZ4Codec.MaximumOutputSize(BlockSize);
        var read = sizeof(uint);
        var written = 0;
        while (read < frame.Length)
        {
            if (frame.Length - read < sizeof(uint))
                throw Corrupt($"{frame.Length - read} stray bytes at payload offset {read} where a block length belongs");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(frame[read..]);
            read += sizeof(uint);
            if (length == Magic)
                continue;
            if (length == 0 || length > (uint)maxBlockLength || length > (uint)(frame.Length - read))
                throw Corrupt($"block length {length} at payload offset {read - sizeof(uint)} is 0, above the {maxBlockLength}-byte bound of an 8 MiB block, or past the {frame.Length - read} bytes left");
            var room = Math.Min(BlockSize, destination.Length - written);
            var decoded = LZ4Codec.Decode(frame.Slice(read, (int)length), destination.Slice(written, room));
            if (decoded < 0)
                throw Corrupt($"block at payload offset {read - sizeof(uint)} is corrupt or decodes to more than the {room} bytes the size trailer leaves");
            written += decoded;
            read += (int)length;
        }
        return written;
    }

    private static LoaderException Corrupt(string rule) =>
        new(LoaderError.PayloadDecompression, $"lz4 legacy frame: {rule}");
}
