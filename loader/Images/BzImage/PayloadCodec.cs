using System.Buffers.Binary;
using System.IO.Compression;
using LoaderHarness.Loader.Errors;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.LZMA;
using SharpCompress.Compressors.Xz;
using SharpCompressionMode = SharpCompress.Compressors.CompressionMode;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// Detects and decompresses the compressed vmlinux a bzImage carries (<c>payload_offset</c> at 0x248 and
/// <c>payload_length</c> at 0x24C, boot.rst 2.08+). A Linux payload ends with the decompressed length as a
/// 4-byte little-endian number: gzip's own ISIZE, and for every other format the <c>size_append</c> trailer
/// scripts/Makefile.lib adds after the compressed stream (cmd_*_with_size, used by
/// arch/x86/boot/compressed/Makefile). That trailer sizes the output exactly and is checked against what the
/// codec produces. Corrupt or truncated data fails with <see cref="LoaderError.PayloadDecompression"/>, an
/// unknown or unsupported format with <see cref="LoaderError.InvalidPayload"/>.
/// </summary>
public static class PayloadCodec
{
    private const int SizeTrailerLength = sizeof(uint);

    /// <summary>
    /// The largest decompressed payload accepted: a cap on what the input's own size trailer may make the loader
    /// allocate. Debian's 6.12 vmlinux is 55 MiB; the kernel's decompressor itself works inside init_size
    /// (arch/x86/boot/compressed/misc.c, extract_kernel: the output must fit the init_size buffer), so a trailer
    /// claiming more than this is a decompression bomb, refused before anything is allocated.
    /// </summary>
    public const int MaxDecompressedLength = 512 << 20;

    /// <summary>Decoder reads go in slices this big, so streams without a span-based Read rent small buffers.</summary>
    private const int ReadSlice = 1 << 20;

    // Magics as lib/decompress.c compressed_formats[] and scripts/extract-vmlinux match them; the longer
    // forms are the formats' own signatures (xz, lzop) or the fixed bytes of the kernel's settings (lzma -9).
    private static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];
    private static ReadOnlySpan<byte> Bzip2Magic => "BZh"u8;
    private static ReadOnlySpan<byte> LzmaMagic => [0x5D, 0x00, 0x00];
    private static ReadOnlySpan<byte> XzMagic => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    private static ReadOnlySpan<byte> LzoMagic => [0x89, 0x4C, 0x5A, 0x4F];
    private static ReadOnlySpan<byte> Lz4Magic => [0x02, 0x21, 0x4C, 0x18];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xB5, 0x2F, 0xFD];

    /// <summary>Names the payload's compression from its leading magic bytes.</summary>
    public static PayloadCompression Detect(ReadOnlySpan<byte> payload) => payload switch
    {
        _ when payload.StartsWith(GzipMagic) => PayloadCompression.Gzip,
        _ when payload.StartsWith(Bzip2Magic) => PayloadCompression.Bzip2,
        _ when payload.StartsWith(LzmaMagic) => PayloadCompression.Lzma,
        _ when payload.StartsWith(XzMagic) => PayloadCompression.Xz,
        _ when payload.StartsWith(LzoMagic) => PayloadCompression.Lzo,
        _ when payload.StartsWith(Lz4Magic) => PayloadCompression.Lz4,
        _ when payload.StartsWith(ZstdMagic) => PayloadCompression.Zstd,
        _ => PayloadCompression.Unknown,
    };

    /// <summary>
    /// The decompressed length the payload declares in its last 4 bytes (gzip ISIZE or kbuild's size_append).
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidPayload"/> for an unknown magic; <see cref="LoaderError.PayloadDecompression"/>
    /// when the payload is too short to hold its magic and trailer or the length exceeds a .NET array.
    /// </exception>
    public static int GetDecompressedLength(ReadOnlySpan<byte> payload)
    {
        var kind = Detect(payload);
        if (kind == PayloadCompression.Unknown)
            throw new LoaderException(LoaderError.InvalidPayload,
                $"payload starts with {Convert.ToHexString(payload[..Math.Min(payload.Length, 6)])}, no compression magic lib/decompress.c knows");
        var minimum = MagicLength(kind) + SizeTrailerLength;
        if (payload.Length < minimum)
            throw new LoaderException(LoaderError.PayloadDecompression,
                $"{kind} payload of {payload.Length} bytes is truncated: magic and 4-byte size trailer need {minimum}");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(payload[^SizeTrailerLength..]);
        if (length > MaxDecompressedLength)
            throw new LoaderException(LoaderError.PayloadDecompression,
                $"{kind} payload's size trailer says {length} bytes, more than the {MaxDecompressedLength >> 20} MiB a kernel payload is allowed");
        if (kind == PayloadCompression.Xz && XzIndex.UncompressedSize(payload[..^SizeTrailerLength]) is { } indexed && indexed != length)
            throw LengthMismatch(kind, $"{indexed} (xz index)", (int)length);
        return (int)length;
    }

    /// <summary>Decompresses the payload into a new array of exactly the length its size trailer declares.</summary>
    /// <param name="payload">The compressed payload with its size trailer.</param>
    /// <param name="limit">
    /// The most the caller's own facts allow (a bzImage's init_size); a larger trailer is refused before the
    /// output is allocated.
    /// </param>
    /// <exception cref="LoaderException">As <see cref="Decompress(ReadOnlySpan{byte}, Span{byte})"/>.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> payload, int limit = MaxDecompressedLength)
    {
        var length = GetDecompressedLength(payload);
        if (length > limit)
            throw new LoaderException(LoaderError.PayloadDecompression,
                $"{Detect(payload)} payload's size trailer says {length} bytes, more than the {limit} the kernel's header allows (init_size)");
        // Uninitialized: every byte is overwritten, or the call throws and the array is dropped.
        var output = GC.AllocateUninitializedArray<byte>(length);
        Decompress(payload, output);
        return output;
    }

    /// <summary>
    /// Decompresses the payload into <paramref name="destination"/>, whose length must be
    /// <see cref="GetDecompressedLength"/> (e.g. a span of guest memory, to skip a copy).
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidPayload"/> for an unknown magic or an lzo payload (not supported);
    /// <see cref="LoaderError.PayloadDecompression"/> for corrupt or truncated data, or output whose length
    /// differs from the size trailer.
    /// </exception>
    /// <exception cref="ArgumentException">The destination length differs from the declared length.</exception>
    public static void Decompress(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        var length = GetDecompressedLength(payload);
        if (destination.Length != length)
            throw new ArgumentException($"destination holds {destination.Length} bytes; the payload declares {length}", nameof(destination));
        var kind = Detect(payload);
        if (kind == PayloadCompression.Lzo)
            throw new LoaderException(LoaderError.InvalidPayload,
                "lzo payloads not supported (CONFIG_KERNEL_LZO): no maintained .NET lzo decoder");

        // gzip's ISIZE is part of its own stream; the other formats' trailer follows their stream.
        var stream = kind == PayloadCompression.Gzip ? payload : payload[..^SizeTrailerLength];
        int written;
        try
        {
            written = kind switch
            {
                PayloadCompression.Gzip => Inflate(kind, stream, destination,
                    input => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true)),
                PayloadCompression.Bzip2 => Inflate(kind, stream, destination,
                    input => BZip2Stream.Create(input, SharpCompressionMode.Decompress, decompressConcatenated: false, leaveOpen: true)),
                PayloadCompression.Xz => DecodeXz(stream, destination),
                PayloadCompression.Lzma => DecodeLzmaAlone(stream, destination),
                PayloadCompression.Lz4 => Lz4LegacyFrame.Decode(stream, destination),
                _ => DecodeZstd(stream, destination),
            };
        }
        catch (Exception e) when (e is not LoaderException)
        {
            throw new LoaderException(LoaderError.PayloadDecompression, $"{kind} payload is corrupt: {e.Message}", e);
        }
        if (written != length)
            throw LengthMismatch(kind, $"{written}", length);
    }

    private static int MagicLength(PayloadCompression kind) => kind switch
    {
        PayloadCompression.Gzip => GzipMagic.Length,
        PayloadCompression.Bzip2 => Bzip2Magic.Length,
        PayloadCompression.Lzma => LzmaMagic.Length,
        PayloadCompression.Xz => XzMagic.Length,
        PayloadCompression.Lzo => LzoMagic.Length,
        PayloadCompression.Lz4 => Lz4Magic.Length,
        _ => ZstdMagic.Length,
    };

    /// <summary>
    /// LZMA "alone" (xz-utils doc/lzma-file-format.txt): 5 property bytes (lc/lp/pb, u32 dictionary size),
    /// u64 uncompressed size (all ones = unknown, the stream then ends with an end marker), LZMA data.
    /// </summary>
    private static int DecodeLzmaAlone(ReadOnlySpan<byte> stream, Span<byte> destination)
    {
        const int PropertiesLength = 5;
        const int HeaderLength = PropertiesLength + sizeof(ulong);
        if (stream.Length < HeaderLength)
            throw new LoaderException(LoaderError.PayloadDecompression,
                $"Lzma payload of {stream.Length} bytes before its size trailer is shorter than the {HeaderLength}-byte lzma header");
        var declared = BinaryPrimitives.ReadInt64LittleEndian(stream[PropertiesLength..]);
        if (declared != -1 && declared != destination.Length)
            throw LengthMismatch(PayloadCompression.Lzma, $"{declared} (lzma header)", destination.Length);

        // A window larger than the output is never used: capping it spares lzma -9's 64 MiB window on small
        // payloads and refuses a corrupt header's 4 GiB request.
        var properties = stream[..PropertiesLength].ToArray();
        var dictionary = BinaryPrimitives.ReadUInt32LittleEndian(properties.AsSpan(1));
        BinaryPrimitives.WriteUInt32LittleEndian(properties.AsSpan(1), Math.Min(dictionary, Math.Max((uint)destination.Length, 4096u)));
        return Inflate(PayloadCompression.Lzma, stream[HeaderLength..], destination,
            input => LzmaStream.Create(properties, input, input.Length, declared, leaveOpen: true));
    }

    /// <summary>
    /// xz as scripts/xz_wrap.sh writes it for x86: one block, x86 BCJ filter then LZMA2, CRC32 check.
    /// SharpCompress 0.50.8's BCJ filter (Xz/Filters/X86Filter.Read) re-converts the caller's whole buffer from
    /// index 0 on every read, so decoding is only right when a single Read fills an array of exactly the output
    /// length. If the decoder ever needed a second read (a multi-block stream), the CRC32 check fails the
    /// decode rather than letting corrupt data through.
    /// </summary>
    private static unsafe int DecodeXz(ReadOnlySpan<byte> stream, Span<byte> destination)
    {
        var output = GC.AllocateUninitializedArray<byte>(destination.Length);
        fixed (byte* start = stream)
        {
            using var input = new UnmanagedMemoryStream(start, stream.Length);
            using var xz = new XZStream(input);
            var written = xz.Read(output, 0, output.Length);
            if (written == output.Length && xz.ReadByte() != -1)
                throw LengthMismatch(PayloadCompression.Xz, $"more than {written}", destination.Length);
            output.AsSpan(0, written).CopyTo(destination);
            return written;
        }
    }

    /// <summary>One-shot decode straight into the destination: no window buffer, whatever windowLog zstd -22 chose.</summary>
    private static int DecodeZstd(ReadOnlySpan<byte> stream, Span<byte> destination)
    {
        using var zstd = new ZstdSharp.Decompressor();
        return zstd.Unwrap(stream, destination);
    }

    /// <summary>Runs a stream decoder over <paramref name="compressed"/> without copying it.</summary>
    private static unsafe int Inflate(PayloadCompression kind, ReadOnlySpan<byte> compressed, Span<byte> destination, Func<Stream, Stream> open)
    {
        fixed (byte* start = compressed)
        {
            using var input = new UnmanagedMemoryStream(start, compressed.Length);
            using var decoder = open(input);
            var written = 0;
            while (written < destination.Length)
            {
                var read = decoder.Read(destination.Slice(written, Math.Min(ReadSlice, destination.Length - written)));
                if (read == 0)
                    return written;
                written += read;
            }
            Span<byte> probe = stackalloc byte[1];
            if (decoder.Read(probe) != 0)
                throw LengthMismatch(kind, $"more than {written}", destination.Length);
            return written;
        }
    }

    private static LoaderException LengthMismatch(PayloadCompression kind, string produced, int declared) =>
        new(LoaderError.PayloadDecompression,
            $"{kind} payload decompresses to {produced} bytes but its size trailer says {declared} (kbuild size_append / gzip ISIZE)");
}
