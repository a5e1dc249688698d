using System.Buffers.Binary;
using LoaderHarness.Loader.Images.Image;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// Where kallsyms' symbols lie inside a raw arm64 Image. A relocatable Image is linked with
/// <c>--no-apply-dynamic-relocs</c> (arch/arm64/Makefile), so <c>kallsyms_relative_base</c> reads 0 in the
/// file: positions are calibrated with the header's branch to the entry point, and the link address comes from
/// the R_AARCH64_RELATIVE entry that fills <c>kallsyms_relative_base</c> at boot.
/// </summary>
internal static class Arm64ImagePlacement
{
    /// <summary>R_AARCH64_RELATIVE (ELF for the Arm 64-bit Architecture, §5.7.12).</summary>
    private const ulong RelocationRelative = 0x403;

    /// <summary>Whether <paramref name="image"/> starts with an arm64 Image header (magic "ARM\x64" at 0x38, booting.rst).</summary>
    public static bool IsArm64Image(ReadOnlySpan<byte> image) =>
        image.Length >= ImageHeader.Size && BinaryPrimitives.ReadUInt32LittleEndian(image[0x38..]) == ImageHeader.Arm64Magic;

    /// <summary>
    /// The Image offset of the entry point: <c>code1</c> at offset 4 is <c>b primary_entry</c> (<c>b stext</c>
    /// before 5.8; arch/arm64/kernel/head.S), a B with a signed 26-bit word offset.
    /// </summary>
    public static long? EntryOffset(ReadOnlySpan<byte> image)
    {
        var code1 = BinaryPrimitives.ReadUInt32LittleEndian(image[4..]);
        if ((code1 & 0xFC00_0000) != 0x1400_0000)
            return null;
        return 4 + (long)((int)(code1 << 6) >> 4);
    }

    /// <summary>The names the header's branch can target, newest first.</summary>
    public static ReadOnlySpan<string> EntryNames => (string[])["primary_entry", "stext"];

    /// <summary>
    /// The link address of the Image's first byte (<c>_text</c>): <c>kallsyms_relative_base</c> at Image offset
    /// <paramref name="basePosition"/> holds <c>_text + <paramref name="baseDelta"/></c>, written by an
    /// R_AARCH64_RELATIVE entry (<c>r_offset</c> = link + position, <c>r_addend</c> = link + delta).
    /// </summary>
    public static ulong? LinkAddress(ReadOnlySpan<byte> image, int basePosition, ulong baseDelta)
    {
        for (var at = 8; at + 16 <= image.Length; at += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(image[at..]) != RelocationRelative)
                continue;
            var place = BinaryPrimitives.ReadUInt64LittleEndian(image[(at - 8)..]);
            var addend = BinaryPrimitives.ReadUInt64LittleEndian(image[(at + 8)..]);
            var link = place - (ulong)basePosition;
            // The Image is linked 2 MiB-aligned at least (SEGMENT_ALIGN, arch/arm64/kernel/vmlinux.lds.S).
            if (addend - baseDelta == link && (link & 0x1F_FFFF) == 0)
                return link;
        }
        return null;
    }
}
