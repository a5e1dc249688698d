using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Builds an EFI zboot image as Linux's Makefile.zboot and zboot-header.S do: the Image padded to its image_size
/// (copy_and_pad: <c>truncate -s</c> the 32-bit value at offset 16), compressed (gzip; or zstd with the 4-byte
/// little-endian size appended, <c>zstd22_with_size</c>), placed in the PE's .data section (the objcopy'd
/// <c>.gzdata</c>), and the "zimg" header over the MS-DOS header: payload offset, payload size without the size
/// trailer (ZBOOT_SIZE_LEN), the compression type string, LINUX_PE_MAGIC at 0x38 and the PE offset at 0x3C.
/// </summary>
internal static class ZbootBuilder
{
    public static byte[] Build(byte[] image, string compressionType, ushort machine = PeWriter.MachineArm64)
    {
        var padded = Pad(image);
        var (payload, trailer) = compressionType switch
        {
            "gzip" => (Gzip(padded), 0),
            // Level 3, not 22, so the test is quick: the stream format (and the decoder) is the same at every level.
            "zstd22" => (WithSize(new ZstdSharp.Compressor(3).Wrap(padded).ToArray(), padded.Length), 4),
            _ => throw new ArgumentException($"no test compressor for {compressionType}"),
        };
        var pe = PeWriter.Write(machine, [(".text", [0xC0, 0x03, 0x5F, 0xD6]), (".data", payload)]);
        var file = pe.Bytes;
        BinaryPrimitives.WriteUInt32LittleEndian(file, 0x5A4D); // MZ_MAGIC as a .long
        "zimg"u8.CopyTo(file.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), pe.RawOffsets[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(12), (uint)(payload.Length - trailer));
        Encoding.ASCII.GetBytes(compressionType + "\0").CopyTo(file.AsSpan(0x18));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(0x38), 0x818223CD); // LINUX_PE_MAGIC
        return file;
    }

    /// <summary>Makefile.zboot copy_and_pad: the Image grown to image_size (the low 32 bits at offset 16), zeros after it.</summary>
    public static byte[] Pad(byte[] image)
    {
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(16));
        var padded = new byte[Math.Max(size, image.Length)];
        image.CopyTo(padded, 0);
        return padded;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] WithSize(byte[] compressed, int length)
    {
        var result = new byte[compressed.Length + 4];
        compressed.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(compressed.Length), (uint)length);
        return result;
    }
}
