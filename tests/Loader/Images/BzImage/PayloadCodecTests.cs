using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

[TestFixture]
public class PayloadCodecTests
{
    // The kernel build's compressors, Linux 6.1 scripts/Makefile.lib (Debian 12's kernel) unless noted;
    // arch/x86/boot/compressed/Makefile picks cmd_gzip for .gz and cmd_<format>_with_size for the others.
    public static readonly KbuildCompressor[] Compressors =
    [
        // cmd_gzip: no size_append, gzip's ISIZE trailer is the size.
        new("gzip -n -f -9", PayloadCompression.Gzip, "gzip", "-n -f -9", "gzip", AppendsSize: false),
        new("bzip2 -9", PayloadCompression.Bzip2, "bzip2", "-9", "bzip2", AppendsSize: true),
        new("lzma -9", PayloadCompression.Lzma, "lzma", "-9", "xz-utils", AppendsSize: true),
        // cmd_xzkern_with_size runs scripts/xz_wrap.sh: x86 BCJ filter, CRC32 check, 32 MiB dictionary.
        new("xz_wrap.sh (x86)", PayloadCompression.Xz, "xz", "--check=crc32 --x86 --lzma2=,dict=32MiB", "xz-utils", AppendsSize: true),
        // Older kernels ran "lz4 -l -c1 stdin stdout" (level 1), which lz4 1.9.4 rejects ("stdout won't be
        // used"): same options, stdin to stdout.
        new("lz4 -l -c1", PayloadCompression.Lz4, "lz4", "-l -c1", "lz4", AppendsSize: true),
        // Newer cmd_lz4_with_size. Debian 12's 6.1.0-56 cloud kernel payload (less its trailer) is
        // byte-identical to this command's output on its own vmlinux (lz4 1.9.4).
        new("lz4 -l -9", PayloadCompression.Lz4, "lz4", "-l -9 - -", "lz4", AppendsSize: true),
        new("zstd -22 --ultra", PayloadCompression.Zstd, "zstd", "-22 --ultra", "zstd", AppendsSize: true),
    ];

    // Formats with an integrity check, where one flipped byte must be caught: gzip CRC32, bzip2 block CRC,
    // xz --check=crc32, zstd content checksum (on by default in the zstd CLI).
    public static readonly KbuildCompressor[] CheckedCompressors =
        [.. Compressors.Where(c => c.Kind is PayloadCompression.Gzip or PayloadCompression.Bzip2 or PayloadCompression.Xz or PayloadCompression.Zstd)];

    // Magics from lib/decompress.c compressed_formats[] and scripts/extract-vmlinux; xz and lzop with their
    // full signatures (xz file-format spec "Header Magic Bytes", lzop F_MAGIC).
    public static readonly object[] Magics =
    [
        new object[] { new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, PayloadCompression.Gzip },
        new object[] { "BZh9"u8.ToArray(), PayloadCompression.Bzip2 },
        new object[] { new byte[] { 0x5D, 0x00, 0x00, 0x00, 0x04 }, PayloadCompression.Lzma },
        new object[] { new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00 }, PayloadCompression.Xz },
        new object[] { new byte[] { 0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A }, PayloadCompression.Lzo },
        new object[] { new byte[] { 0x02, 0x21, 0x4C, 0x18 }, PayloadCompression.Lz4 },
        new object[] { new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, PayloadCompression.Zstd },
        // An uncompressed ELF, a modern lz4 frame (not what the kernel uses), a cut-short xz magic, nothing.
        new object[] { "\u007fELF"u8.ToArray(), PayloadCompression.Unknown },
        new object[] { new byte[] { 0x04, 0x22, 0x4D, 0x18 }, PayloadCompression.Unknown },
        new object[] { new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A }, PayloadCompression.Unknown },
        new object[] { Array.Empty<byte>(), PayloadCompression.Unknown },
    ];

    private static readonly byte[] Original = KernelLikeData(length: (1 << 20) + 123, seed: 1);
    private readonly Dictionary<KbuildCompressor, byte[]> _payloads = [];

    [TestCaseSource(nameof(Magics))]
    public void Detect_names_format_by_magic(byte[] start, PayloadCompression expected) =>
        PayloadCodec.Detect(start).ShouldBe(expected);

    [TestCaseSource(nameof(Compressors))]
    public void Decompress_kernel_build_output_round_trips(KbuildCompressor compressor)
    {
        var payload = PayloadOf(compressor);

        PayloadCodec.Detect(payload).ShouldBe(compressor.Kind);
        PayloadCodec.GetDecompressedLength(payload).ShouldBe(Original.Length);
        PayloadCodec.Decompress(payload).ShouldBe(Original);
    }

    [TestCaseSource(nameof(Compressors))]
    public void Decompress_into_span_fills_it_exactly(KbuildCompressor compressor)
    {
        var payload = PayloadOf(compressor);
        var destination = new byte[Original.Length];

        PayloadCodec.Decompress(payload, destination);

        destination.ShouldBe(Original);
    }

    [TestCaseSource(nameof(Compressors))]
    public void Decompress_stream_cut_in_half_fails_with_payload_decompression(KbuildCompressor compressor)
    {
        var payload = PayloadOf(compressor);
        // Keep the size trailer (the last 4 bytes, ISIZE for gzip) so the cut is inside the stream.
        byte[] truncated = [.. payload.AsSpan(0, payload.Length / 2), .. payload.AsSpan(payload.Length - 4)];

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(truncated));
    }

    [TestCaseSource(nameof(Compressors))]
    public void Decompress_trailer_longer_than_data_fails_with_payload_decompression(KbuildCompressor compressor)
    {
        var payload = WithTrailer(PayloadOf(compressor), Original.Length + 1);

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(payload));
    }

    [TestCaseSource(nameof(Compressors))]
    public void Decompress_trailer_shorter_than_data_fails_with_payload_decompression(KbuildCompressor compressor)
    {
        var payload = WithTrailer(PayloadOf(compressor), Original.Length - 1);

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(payload));
    }

    [TestCaseSource(nameof(CheckedCompressors))]
    public void Decompress_flipped_byte_fails_with_payload_decompression(KbuildCompressor compressor)
    {
        var payload = PayloadOf(compressor).ToArray();
        payload[payload.Length / 2] ^= 0x55;

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(payload));
    }

    [Test]
    public void Decompress_lz4_block_length_past_the_end_fails_with_payload_decompression()
    {
        var payload = PayloadOf(Compressors.First(c => c.Kind == PayloadCompression.Lz4)).ToArray();
        // The first block length follows the 4-byte legacy magic (lz4_Frame_format.md "Legacy frame").
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), (uint)payload.Length);

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(payload));
    }

    [Test]
    public void Decompress_lzma_header_size_disagrees_with_trailer_fails_with_payload_decompression()
    {
        var payload = PayloadOf(Compressors.First(c => c.Kind == PayloadCompression.Lzma)).ToArray();
        // lzma-file-format.txt: bytes 5..12 hold the uncompressed size (all ones when lzma -9 streams).
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(5), Original.Length + 1);

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(payload));
    }

    [Test]
    [Category("Slow")]
    public void Decompress_lz4_payload_of_several_legacy_blocks_round_trips()
    {
        // Legacy blocks hold 8 MiB each (lz4_Frame_format.md), so 17 MiB spans three, the last one partial.
        var original = KernelLikeData(length: (17 << 20) + 5, seed: 2);
        var payload = Compressors.First(c => c.Kind == PayloadCompression.Lz4).Compress(original);

        PayloadCodec.Decompress(payload).ShouldBe(original);
    }

    [Test]
    [Category("Slow")]
    public void Decompress_xz_of_call_dense_code_over_several_mib_round_trips()
    {
        // The x86 BCJ filter rewrites the rel32 of every E8/E9 (xz-file-format "x86 BCJ"); dense calls over
        // several MiB make any read split mid-instruction or double conversion corrupt the output.
        var original = CallDenseCode(length: (5 << 20) + 7, seed: 3);
        var payload = Compressors.First(c => c.Kind == PayloadCompression.Xz).Compress(original);

        PayloadCodec.Decompress(payload).ShouldBe(original);
    }

    [Test]
    public void Decompress_unknown_magic_fails_with_invalid_payload()
    {
        byte[] payload = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0x10, 0, 0, 0];

        ShouldFailWith(LoaderError.InvalidPayload, () => PayloadCodec.Decompress(payload));
    }

    [Test]
    public void Decompress_lzo_payload_fails_with_invalid_payload()
    {
        // lzop's 9-byte magic, a stub of header bytes and a size trailer: refused before any decoding.
        byte[] payload = [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A, 0x10, 0x40, 0x00, 0x10, 0x00, 0x00];

        ShouldFailWith(LoaderError.InvalidPayload, () => PayloadCodec.Decompress(payload));
    }

    [Test]
    public void Decompress_magic_without_size_trailer_fails_with_payload_decompression()
    {
        byte[] payload = [0x28, 0xB5, 0x2F, 0xFD, 0x00];

        ShouldFailWith(LoaderError.PayloadDecompression, () => PayloadCodec.Decompress(payload));
    }

    [Test]
    public void Decompress_into_span_of_wrong_length_throws()
    {
        var payload = PayloadOf(Compressors.First(c => c.Kind == PayloadCompression.Zstd));

        Should.Throw<ArgumentException>(() => PayloadCodec.Decompress(payload, new byte[Original.Length - 1]));
    }

    private byte[] PayloadOf(KbuildCompressor compressor)
    {
        if (!_payloads.TryGetValue(compressor, out var payload))
            _payloads[compressor] = payload = compressor.Compress(Original);
        return payload;
    }

    private static byte[] WithTrailer(byte[] payload, int length)
    {
        var copy = payload.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), (uint)length);
        return copy;
    }

    private static void ShouldFailWith(LoaderError code, Action decompress) =>
        Should.Throw<LoaderException>(decompress).Code.ShouldBe(code);

    /// <summary>Random filler with a <c>call rel32</c> (E8, small signed displacement) every 5 to 20 bytes.</summary>
    private static byte[] CallDenseCode(int length, int seed)
    {
        var random = new Random(seed);
        var data = new byte[length];
        random.NextBytes(data);
        for (var at = random.Next(16); at + 5 <= length; at += 5 + random.Next(16))
        {
            data[at] = 0xE8;
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(at + 1), random.Next(-0x10000, 0x10000));
        }
        return data;
    }

    /// <summary>
    /// Compressible but not trivial, like machine code: runs of random bytes and 64-byte copies of earlier
    /// data at any distance (so dictionaries and long matches are exercised).
    /// </summary>
    private static byte[] KernelLikeData(int length, int seed)
    {
        var random = new Random(seed);
        var data = new byte[length];
        for (var at = 0; at < length; at += 64)
        {
            var chunk = data.AsSpan(at, Math.Min(64, length - at));
            if (at == 0 || random.Next(4) == 0)
                random.NextBytes(chunk);
            else
                data.AsSpan(random.Next(at - 63), chunk.Length).CopyTo(chunk);
        }
        return data;
    }
}
