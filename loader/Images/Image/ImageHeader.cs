using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Image;

/// <summary>
/// The 64-byte header at the start of an arm64 or riscv64 <c>Image</c> (both little-endian, both with
/// the PE/COFF offset at 0x3C for their EFI stubs).
/// </summary>
public readonly record struct ImageHeader
{
    /// <summary>Bytes in the header.</summary>
    public const int Size = 64;
    /// <summary>arm64 <c>magic</c> at 0x38: "ARM\x64".</summary>
    public const uint Arm64Magic = 0x644D_5241;
    /// <summary>riscv64 <c>magic2</c> at 0x38: "RSC\x05".</summary>
    public const uint RiscvMagic2 = 0x0543_5352;

    /// <summary>Which architecture's magic the header carries.</summary>
    public ImageArchitecture Architecture { get; init; }
    /// <summary><c>code0</c> at 0x00.</summary>
    public uint Code0 { get; init; }
    /// <summary><c>code1</c> at 0x04.</summary>
    public uint Code1 { get; init; }
    /// <summary><c>text_offset</c> at 0x08: image load offset from a 2 MiB-aligned base.</summary>
    public ulong TextOffset { get; init; }
    /// <summary><c>image_size</c> at 0x10: effective image size incl. BSS; 0 on arm64 kernels before 3.17.</summary>
    public ulong ImageSize { get; init; }
    /// <summary><c>flags</c> at 0x18 (arm64: bit0 big-endian, bits 1–2 page size, bit 3 placement).</summary>
    public ulong Flags { get; init; }
    /// <summary>riscv64 <c>version</c> at 0x20 (major &lt;&lt; 16 | minor); 0 for arm64 (res2).</summary>
    public uint Version { get; init; }
    /// <summary>riscv64 deprecated <c>magic</c> at 0x30 ("RISCV"); arm64 res4.</summary>
    public ulong LegacyMagic { get; init; }
    /// <summary><c>magic</c> / <c>magic2</c> at 0x38.</summary>
    public uint Magic { get; init; }
    /// <summary>PE/COFF header offset at 0x3C (0 without an EFI stub).</summary>
    public uint PeOffset { get; init; }

    /// <summary>
    /// The load offset the loader uses: <c>text_offset</c>, except that an arm64 header with
    /// <c>image_size</c> 0 predates 3.17 and means 0x80000 (booting.rst; linux-loader pe::load).
    /// </summary>
    public ulong EffectiveTextOffset => Architecture == ImageArchitecture.Arm64 && ImageSize == 0 ? 0x80000 : TextOffset;

    /// <summary>arm64 flags bits 1–2 as a page size in bytes, or null when unspecified.</summary>
    public ulong? PageSize => Architecture != ImageArchitecture.Arm64 ? null : ((Flags >> 1) & 3) switch
    {
        1 => 4096UL,
        2 => 16384UL,
        3 => 65536UL,
        _ => null,
    };

    /// <summary>Parses a header of either architecture; wrong or missing magic is linux-loader's InvalidImageMagicNumber.</summary>
    public static ImageHeader Parse(ReadOnlySpan<byte> image)
    {
        if (image.Length < Size)
            throw new LoaderException(LoaderError.TruncatedImage, $"image is 0x{image.Length:x} bytes; its header needs 0x{Size:x}");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(image[0x38..]);
        var arch = magic switch
        {
            Arm64Magic => ImageArchitecture.Arm64,
            RiscvMagic2 => ImageArchitecture.Riscv64,
            _ => throw new LoaderException(LoaderError.InvalidImageMagicNumber,
                $"magic at 0x38 is 0x{magic:x8}: neither arm64 0x{Arm64Magic:x8} nor riscv64 0x{RiscvMagic2:x8}"),
        };
        return new ImageHeader
        {
            Architecture = arch,
            Code0 = BinaryPrimitives.ReadUInt32LittleEndian(image),
            Code1 = BinaryPrimitives.ReadUInt32LittleEndian(image[0x04..]),
            TextOffset = BinaryPrimitives.ReadUInt64LittleEndian(image[0x08..]),
            ImageSize = BinaryPrimitives.ReadUInt64LittleEndian(image[0x10..]),
            Flags = BinaryPrimitives.ReadUInt64LittleEndian(image[0x18..]),
            Version = arch == ImageArchitecture.Riscv64 ? BinaryPrimitives.ReadUInt32LittleEndian(image[0x20..]) : 0,
            LegacyMagic = BinaryPrimitives.ReadUInt64LittleEndian(image[0x30..]),
            Magic = magic,
            PeOffset = BinaryPrimitives.ReadUInt32LittleEndian(image[0x3C..]),
        };
    }
}
