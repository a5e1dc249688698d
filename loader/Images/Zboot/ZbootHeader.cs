using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Zboot;

/// <summary>
/// The EFI zboot header at the start of an arm64 / riscv64 <c>vmlinuz.efi</c> (Linux
/// drivers/firmware/efi/libstub/zboot-header.S, <c>__efistub_efi_zboot_header</c>): an MS-DOS header whose
/// first bytes say "zimg" and where the compressed Image is, then a PE header for the EFI decompressor.
/// </summary>
/// <param name="PayloadOffset"><c>payload offset</c> at 0x08: <c>__efistub__gzdata_start</c> from the start of the file.</param>
/// <param name="PayloadSize">
/// <c>payload size</c> at 0x0C: <c>__efistub__gzdata_size - ZBOOT_SIZE_LEN</c>. Makefile.zboot sets ZBOOT_SIZE_LEN
/// to 0 for gzip (whose ISIZE is part of the stream) and to 4 for the other methods, whose <c>*_with_size</c>
/// rule appends a 4-byte little-endian length after the stream that this size leaves out.
/// </param>
/// <param name="CompressionType"><c>compression type</c> at 0x18: NUL-terminated COMP_TYPE (Makefile.zboot: gzip, lz4, lzma, lzo, xzkern, zstd22).</param>
/// <param name="LinuxPeMagic"><c>LINUX_PE_MAGIC</c> at 0x38 (include/linux/pe.h: 0x818223cd).</param>
/// <param name="PeOffset">The PE header offset at 0x3C (<c>.Lpehdr - .Ldoshdr</c>, the MS-DOS <c>e_lfanew</c>).</param>
/// <param name="Machine">The PE header's COFF <c>Machine</c> (MACHINE_TYPE: 0xAA64 arm64, 0x5064 riscv64).</param>
public readonly record struct ZbootHeader(uint PayloadOffset, uint PayloadSize, string CompressionType, uint LinuxPeMagic, uint PeOffset, ushort Machine)
{
    /// <summary>Bytes of the header this parser reads: the MS-DOS part up to e_lfanew.</summary>
    public const int Size = 0x40;
    /// <summary><c>MZ_MAGIC</c> as zboot-header.S writes it: a 32-bit <c>.long</c> 0x5a4d, so bytes "MZ\0\0".</summary>
    public const uint MzMagic = 0x5A4D;
    /// <summary>"zimg" at 0x04, the image type that marks a zboot image.</summary>
    public static ReadOnlySpan<byte> ImageType => "zimg"u8;
    /// <summary>include/linux/pe.h <c>LINUX_PE_MAGIC</c>.</summary>
    public const uint LinuxPeMagicValue = 0x818223CD;
    /// <summary>PE Format <c>IMAGE_FILE_MACHINE_ARM64</c>.</summary>
    public const ushort MachineArm64 = 0xAA64;
    /// <summary>PE Format <c>IMAGE_FILE_MACHINE_RISCV64</c>.</summary>
    public const ushort MachineRiscv64 = 0x5064;

    /// <summary>Offsets of the header's fields (zboot-header.S, from <c>.Ldoshdr</c>).</summary>
    private const int ImageTypeOffset = 0x04, PayloadOffsetField = 0x08, PayloadSizeField = 0x0C, CompressionTypeOffset = 0x18,
        LinuxPeMagicOffset = 0x38, PeOffsetField = 0x3C;

    /// <summary>Whether the file starts with "MZ" and has "zimg" at 0x04: the two magics of a zboot image.</summary>
    public static bool IsZboot(ReadOnlySpan<byte> file) =>
        file.Length >= Size && BinaryPrimitives.ReadUInt32LittleEndian(file) == MzMagic && file[ImageTypeOffset..].StartsWith(ImageType);

    /// <summary>
    /// Reads the header and checks that the payload (with its trailer for the non-gzip methods) lies inside the
    /// file and that the PE header names an arm64 or riscv64 machine.
    /// </summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidZbootHeader"/> naming the field and the rule it broke.</exception>
    public static ZbootHeader Parse(ReadOnlySpan<byte> file)
    {
        if (!IsZboot(file))
            throw new LoaderException(LoaderError.InvalidZbootHeader, "no \"MZ\\0\\0\" at 0 and \"zimg\" at 4 (zboot-header.S)");
        var typeField = file.Slice(CompressionTypeOffset, LinuxPeMagicOffset - CompressionTypeOffset);
        var end = typeField.IndexOf((byte)0);
        if (end <= 0)
            throw new LoaderException(LoaderError.InvalidZbootHeader, "compression type at 0x18 is empty or not NUL-terminated before 0x38 (zboot-header.S .asciz COMP_TYPE)");
        foreach (var b in typeField[..end])
        {
            if (b is < 0x21 or > 0x7E)
                throw new LoaderException(LoaderError.InvalidZbootHeader, "compression type at 0x18 is not printable ASCII (zboot-header.S .asciz COMP_TYPE)");
        }
        var header = new ZbootHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(file[PayloadOffsetField..]),
            BinaryPrimitives.ReadUInt32LittleEndian(file[PayloadSizeField..]),
            Encoding.ASCII.GetString(typeField[..end]),
            BinaryPrimitives.ReadUInt32LittleEndian(file[LinuxPeMagicOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(file[PeOffsetField..]),
            0);
        if (header.PeOffset > (ulong)file.Length - 6 || !file.Slice((int)header.PeOffset, 4).SequenceEqual("PE\0\0"u8))
            throw new LoaderException(LoaderError.InvalidZbootHeader, $"PE header offset 0x{header.PeOffset:x} at 0x3c does not point at \"PE\\0\\0\" inside the file");
        header = header with { Machine = BinaryPrimitives.ReadUInt16LittleEndian(file[((int)header.PeOffset + 4)..]) };
        if (header.Machine is not (MachineArm64 or MachineRiscv64))
            throw new LoaderException(LoaderError.InvalidZbootHeader, $"PE machine 0x{header.Machine:x4} is neither arm64 (0xaa64) nor riscv64 (0x5064), the architectures EFI zboot builds for");
        var stored = (ulong)header.PayloadOffset + header.PayloadSize + (ulong)header.SizeTrailerLength;
        if (header.PayloadSize == 0 || header.PayloadOffset < Size || stored > (ulong)file.Length)
            throw new LoaderException(LoaderError.InvalidZbootHeader,
                $"payload at 0x{header.PayloadOffset:x} of 0x{header.PayloadSize:x} bytes (+{header.SizeTrailerLength} size trailer) is empty or not inside the {file.Length}-byte file");
        return header;
    }

    /// <summary>ZBOOT_SIZE_LEN: the size trailer the payload size leaves out; 0 for gzip, 4 otherwise (Makefile.zboot).</summary>
    public int SizeTrailerLength => CompressionType == "gzip" ? 0 : 4;

    /// <summary>The Image architecture the PE machine names.</summary>
    public ImageFormat InnerFormat => Machine == MachineArm64 ? ImageFormat.Arm64Image : ImageFormat.Riscv64Image;
}
