using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Loader.Images.Zboot;

/// <summary>
/// Unwraps an EFI zboot image (Linux drivers/firmware/efi/libstub/zboot-header.S and Makefile.zboot): the
/// compressed payload the header points at is decoded with the bounded payload codecs a bzImage's vmlinux uses
/// (<see cref="PayloadCodec"/>), and must be a plain Image of the architecture the PE header names. What comes
/// out is what the EFI decompressor (zboot.c) would place in memory: <c>vmlinux.bin</c>, the Image padded to its
/// <c>image_size</c> (Makefile.zboot copy_and_pad), so it loads exactly as the plain Image does.
/// </summary>
public static class ZbootImage
{
    /// <summary>
    /// Decodes the payload of the zboot image <paramref name="file"/>; gzip and zstd are supported (the methods
    /// Linux's arm64 and riscv64 defconfig-based distribution kernels use).
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidZbootHeader"/> for a bad header or a payload that is not an Image of the
    /// PE's architecture; <see cref="LoaderError.UnsupportedZbootCompression"/> for another method or a payload
    /// whose magic contradicts the header; <see cref="LoaderError.PayloadDecompression"/> for corrupt data or a
    /// size trailer past <see cref="PayloadCodec.MaxDecompressedLength"/> (refused before allocating).
    /// </exception>
    public static (ZbootHeader Header, byte[] Image) Inflate(ReadOnlySpan<byte> file)
    {
        var header = ZbootHeader.Parse(file);
        var expected = header.CompressionType switch
        {
            "gzip" => PayloadCompression.Gzip,
            // Makefile.zboot names zstd "zstd22" (zstd -22 --ultra); plain "zstd" is accepted as the same stream.
            "zstd22" or "zstd" => PayloadCompression.Zstd,
            _ => throw new LoaderException(LoaderError.UnsupportedZbootCompression,
                $"zboot compression type \"{header.CompressionType}\" is not decoded here (gzip and zstd22 are)"),
        };
        // The codec wants the 4-byte size trailer at the end: gzip's ISIZE is inside PayloadSize, the other
        // methods' *_with_size trailer follows it (ZbootHeader.Parse checked it lies inside the file).
        var payload = file.Slice((int)header.PayloadOffset, (int)header.PayloadSize + header.SizeTrailerLength);
        var actual = PayloadCodec.Detect(payload);
        if (actual != expected)
            throw new LoaderException(LoaderError.UnsupportedZbootCompression,
                $"zboot header says \"{header.CompressionType}\" but the payload at 0x{header.PayloadOffset:x} starts like {actual}");
        var image = PayloadCodec.Decompress(payload);
        var inner = ImageDetector.Detect(image);
        if (inner != header.InnerFormat)
            throw new LoaderException(LoaderError.InvalidZbootHeader,
                $"the zboot payload decompresses to {(inner == ImageFormat.Unknown ? "no kernel Image" : inner.ToString())}, but the PE machine 0x{header.Machine:x4} says {header.InnerFormat}");
        return (header, image);
    }
}
