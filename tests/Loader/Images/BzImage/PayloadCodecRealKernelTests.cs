using System.Buffers.Binary;
using System.Diagnostics;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

/// <summary>
/// Decompresses the payload of Debian's real cloud kernel, fetched by fixtures/fetch-debian-kernels.sh into
/// fixtures/kernels/amd64 (gitignored).
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public class PayloadCodecRealKernelTests
{
    private byte[]? _vmlinux;

    [Test]
    public void Decompress_debian_cloud_kernel_payload_is_x86_64_vmlinux_entered_at_16_mib()
    {
        var directory = DebianKernel.Directory();
        var payload = PayloadOf(File.ReadAllBytes(Path.Combine(directory, "vmlinuz")));

        PayloadCodec.Detect(payload).ShouldBe(CompressionChosenBy(Path.Combine(directory, "config")));
        var clock = Stopwatch.StartNew();
        var vmlinux = PayloadCodec.Decompress(payload);
        clock.Stop();
        TestContext.Out.WriteLine(
            $"{File.ReadAllText(Path.Combine(directory, "VERSION")).Trim()}: {payload.Length} compressed bytes -> {vmlinux.Length} in {clock.ElapsedMilliseconds} ms");

        // ELF header (System V gABI): "\x7fELF", EI_CLASS 2 = ELFCLASS64, EI_DATA 1 = little-endian,
        // e_machine at 0x12 = 62 (EM_X86_64), e_entry at 0x18.
        vmlinux.AsSpan(0, 4).SequenceEqual("\u007fELF"u8).ShouldBeTrue();
        vmlinux[4].ShouldBe((byte)2);
        vmlinux[5].ShouldBe((byte)1);
        BinaryPrimitives.ReadUInt16LittleEndian(vmlinux.AsSpan(0x12)).ShouldBe((ushort)62);
        // The vmlinux enters startup_64 at physical 0x1000000 (the config's CONFIG_PHYSICAL_START;
        // arch/x86/kernel/head_64.S).
        BinaryPrimitives.ReadUInt64LittleEndian(vmlinux.AsSpan(0x18)).ShouldBe(0x1000000UL);
    }

    // Every format the x86 build can choose, on real machine code: the xz case runs the x86 BCJ filter over a
    // real vmlinux, lzma and zstd use windows as large as the kernel build's (64 MiB, 128 MiB).
    [TestCaseSource(typeof(PayloadCodecTests), nameof(PayloadCodecTests.Compressors))]
    public void Decompress_debian_vmlinux_recompressed_as_the_kernel_build_does_round_trips(KbuildCompressor compressor)
    {
        var vmlinux = _vmlinux ??= PayloadCodec.Decompress(PayloadOf(File.ReadAllBytes(Path.Combine(DebianKernel.Directory(), "vmlinuz"))));
        var payload = compressor.Compress(vmlinux);

        var clock = Stopwatch.StartNew();
        var decompressed = PayloadCodec.Decompress(payload);
        clock.Stop();
        TestContext.Out.WriteLine($"{compressor}: {payload.Length} compressed bytes -> {decompressed.Length} in {clock.ElapsedMilliseconds} ms");

        decompressed.AsSpan().SequenceEqual(vmlinux).ShouldBeTrue();
    }

    /// <summary>
    /// boot.rst: setup_sects at 0x1F1 (0 means 4); protected-mode code starts at (setup_sects + 1) * 512;
    /// payload_offset (0x248) counts from there, payload_length at 0x24C (protocol 2.08+).
    /// </summary>
    private static byte[] PayloadOf(byte[] image)
    {
        var setupSects = image[0x1F1] == 0 ? 4 : image[0x1F1];
        var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
        var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24C));
        return image.AsSpan(checked((int)((setupSects + 1) * 512 + payloadOffset)), checked((int)payloadLength)).ToArray();
    }

    /// <summary>The CONFIG_KERNEL_* compression the kernel was built with.</summary>
    private static PayloadCompression CompressionChosenBy(string configPath)
    {
        var chosen = File.ReadLines(configPath)
            .Where(line => line.StartsWith("CONFIG_KERNEL_", StringComparison.Ordinal) && line.EndsWith("=y", StringComparison.Ordinal))
            .Select(line => line["CONFIG_KERNEL_".Length..^"=y".Length])
            .Single(name => name is "GZIP" or "BZIP2" or "LZMA" or "XZ" or "LZO" or "LZ4" or "ZSTD");
        return Enum.Parse<PayloadCompression>(chosen, ignoreCase: true);
    }

    /// <summary>fixtures/kernels/amd64, fetched first under CI=true (as CI does), else a skip with the command.</summary>
}
