using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>The ELF64 file header (System V gABI, "ELF Header"; Linux include/uapi/linux/elf.h Elf64_Ehdr).</summary>
public readonly record struct ElfHeader
{
    /// <summary>sizeof(Elf64_Ehdr).</summary>
    public const int Size = 64;
    /// <summary>sizeof(Elf64_Phdr): the only e_phentsize accepted (linux-loader Elf::InvalidProgramHeaderSize).</summary>
    public const int ProgramHeaderSize = 56;
    /// <summary>EM_X86_64.</summary>
    public const ushort MachineX86_64 = 62;

    /// <summary><c>e_ident[EI_CLASS]</c> at 0x04: 2 = ELFCLASS64.</summary>
    public byte Class { get; init; }
    /// <summary><c>e_ident[EI_DATA]</c> at 0x05: 1 = little-endian.</summary>
    public byte Data { get; init; }
    /// <summary><c>e_type</c> at 0x10.</summary>
    public ushort Type { get; init; }
    /// <summary><c>e_machine</c> at 0x12.</summary>
    public ushort Machine { get; init; }
    /// <summary><c>e_entry</c> at 0x18: for a vmlinux, the physical address of startup_64.</summary>
    public ulong Entry { get; init; }
    /// <summary><c>e_phoff</c> at 0x20.</summary>
    public ulong ProgramHeaderOffset { get; init; }
    /// <summary><c>e_flags</c> at 0x30.</summary>
    public uint Flags { get; init; }
    /// <summary><c>e_phentsize</c> at 0x36.</summary>
    public ushort ProgramHeaderEntrySize { get; init; }
    /// <summary><c>e_phnum</c> at 0x38.</summary>
    public ushort ProgramHeaderCount { get; init; }

    /// <summary>Whether the bytes start with the ELF magic <c>\x7fELF</c>.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> image) =>
        image.Length >= 4 && image[0] == 0x7F && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F';

    /// <summary>
    /// Parses and validates the header in linux-loader's order (magic, endianness, e_phentsize,
    /// e_phoff), then our own class and machine checks.
    /// </summary>
    public static ElfHeader Parse(ReadOnlySpan<byte> image)
    {
        if (image.Length < Size)
            throw new LoaderException(LoaderError.TruncatedImage, $"ELF header needs {Size} bytes, file has {image.Length}");
        if (!HasMagic(image))
            throw new LoaderException(LoaderError.InvalidElfMagicNumber, "e_ident[0..4] is not \\x7fELF");
        var h = new ElfHeader
        {
            Class = image[4],
            Data = image[5],
            Type = BinaryPrimitives.ReadUInt16LittleEndian(image[0x10..]),
            Machine = BinaryPrimitives.ReadUInt16LittleEndian(image[0x12..]),
            Entry = BinaryPrimitives.ReadUInt64LittleEndian(image[0x18..]),
            ProgramHeaderOffset = BinaryPrimitives.ReadUInt64LittleEndian(image[0x20..]),
            Flags = BinaryPrimitives.ReadUInt32LittleEndian(image[0x30..]),
            ProgramHeaderEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x36..]),
            ProgramHeaderCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x38..]),
        };
        if (h.Data != 1)
            throw new LoaderException(LoaderError.BigEndianElfOnLittle, $"e_ident[EI_DATA] at 0x5 is {h.Data}, only ELFDATA2LSB (1) is supported");
        if (h.ProgramHeaderEntrySize != ProgramHeaderSize)
            throw new LoaderException(LoaderError.InvalidProgramHeaderSize, $"e_phentsize at 0x36 is {h.ProgramHeaderEntrySize}, Elf64_Phdr is {ProgramHeaderSize}");
        if (h.ProgramHeaderOffset < Size)
            throw new LoaderException(LoaderError.InvalidProgramHeaderOffset, $"e_phoff at 0x20 is 0x{h.ProgramHeaderOffset:x}, inside the ELF header");
        if (h.Class != 2 || h.Machine != MachineX86_64)
            throw new LoaderException(LoaderError.UnsupportedElfClass, $"ELF class {h.Class} machine {h.Machine}: only ELFCLASS64 (2) EM_X86_64 (62) kernels are loaded");
        return h;
    }
}
