namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// How a bzImage's payload (the compressed vmlinux, boot.rst 2.08+ <c>payload_offset</c>) is compressed: the
/// formats Linux's boot decompressor knows (lib/decompress.c <c>compressed_formats[]</c>, CONFIG_KERNEL_*).
/// </summary>
public enum PayloadCompression
{
    /// <summary>No known magic at the start of the payload.</summary>
    Unknown,
    /// <summary>gzip (RFC 1952), magic <c>1f 8b</c>; CONFIG_KERNEL_GZIP.</summary>
    Gzip,
    /// <summary>bzip2, magic <c>"BZh"</c>; CONFIG_KERNEL_BZIP2.</summary>
    Bzip2,
    /// <summary>LZMA "alone" format as <c>lzma -9</c> writes it, magic <c>5d 00 00</c>; CONFIG_KERNEL_LZMA.</summary>
    Lzma,
    /// <summary>xz container, magic <c>fd 37 7a 58 5a 00</c>; CONFIG_KERNEL_XZ.</summary>
    Xz,
    /// <summary>lzop container, magic <c>89 4c 5a 4f</c>; CONFIG_KERNEL_LZO. Detected but not decompressed.</summary>
    Lzo,
    /// <summary>lz4 legacy frame (<c>lz4 -l</c>), magic <c>02 21 4c 18</c>; CONFIG_KERNEL_LZ4.</summary>
    Lz4,
    /// <summary>Zstandard frame, magic <c>28 b5 2f fd</c>; CONFIG_KERNEL_ZSTD.</summary>
    Zstd,
}
