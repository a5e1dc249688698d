using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// Gets the vmlinux ELF out of a bzImage — what Linux's scripts/extract-vmlinux does by scanning for
/// magic numbers, done from the header instead: the payload is <c>payload_length</c> bytes at
/// <c>payload_offset</c> into the protected-mode code (boot.rst 2.08+).
/// </summary>
public static class VmlinuxExtractor
{
    /// <summary>The payload's bytes and compression, validated against the protected-mode code's bounds.</summary>
    public static (ReadOnlyMemory<byte> Payload, PayloadCompression Compression) FindPayload(ReadOnlyMemory<byte> bzImage)
    {
        var kernel = BzImageKernel.Parse(bzImage.Span);
        if (kernel.Payload is not { } range)
            throw new LoaderException(LoaderError.InvalidPayload,
                $"protocol {kernel.Header.ProtocolVersion} bzImage has no payload_offset/payload_length (they arrived in 2.08)");
        var pmEnd = kernel.ProtectedModeOffset + kernel.ProtectedModeSize;
        if (range.Offset < kernel.ProtectedModeOffset || range.Offset > pmEnd || range.Length > pmEnd - range.Offset)
            throw new LoaderException(LoaderError.InvalidPayload,
                $"payload [0x{range.Offset:x}, +0x{range.Length:x}) lies outside the protected-mode code [0x{kernel.ProtectedModeOffset:x}, 0x{pmEnd:x})");
        var payload = bzImage.Slice((int)range.Offset, (int)range.Length);
        return (payload, PayloadCodec.Detect(payload.Span));
    }

    /// <summary>Decompresses the payload; the result must be an ELF (the x86 payload is vmlinux, boot.rst).</summary>
    public static byte[] Extract(ReadOnlyMemory<byte> bzImage)
    {
        var header = SetupHeader.Parse(bzImage.Span);
        // init_size (2.10+) bounds what the kernel's own decompressor may write (boot.rst: the linear memory
        // the kernel needs from its load address), so the payload may not claim more.
        var limit = header.Version >= 0x020A && header.InitSize != 0
            ? (int)Math.Min(header.InitSize, (uint)PayloadCodec.MaxDecompressedLength)
            : PayloadCodec.MaxDecompressedLength;
        var vmlinux = PayloadCodec.Decompress(FindPayload(bzImage).Payload.Span, limit);
        if (ImageDetector.Detect(vmlinux) != ImageFormat.Elf)
            throw new LoaderException(LoaderError.InvalidPayload, "the decompressed payload is not an ELF file");
        return vmlinux;
    }
}
