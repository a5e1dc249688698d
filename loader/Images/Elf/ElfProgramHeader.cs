using System.Buffers.Binary;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>One ELF64 program header (gABI "Program Header"; Elf64_Phdr, 56 bytes).</summary>
public readonly record struct ElfProgramHeader
{
    /// <summary>PT_LOAD.</summary>
    public const uint TypeLoad = 1;
    /// <summary>PT_NOTE.</summary>
    public const uint TypeNote = 4;

    /// <summary><c>p_type</c> at 0x00.</summary>
    public uint Type { get; init; }
    /// <summary><c>p_flags</c> at 0x04.</summary>
    public uint Flags { get; init; }
    /// <summary><c>p_offset</c> at 0x08.</summary>
    public ulong Offset { get; init; }
    /// <summary><c>p_vaddr</c> at 0x10.</summary>
    public ulong VirtualAddress { get; init; }
    /// <summary><c>p_paddr</c> at 0x18: where a VMM places the segment.</summary>
    public ulong PhysicalAddress { get; init; }
    /// <summary><c>p_filesz</c> at 0x20.</summary>
    public ulong FileSize { get; init; }
    /// <summary><c>p_memsz</c> at 0x28.</summary>
    public ulong MemorySize { get; init; }
    /// <summary><c>p_align</c> at 0x30.</summary>
    public ulong Align { get; init; }

    /// <summary>Reads one entry from exactly <see cref="ElfHeader.ProgramHeaderSize"/> bytes.</summary>
    public static ElfProgramHeader Parse(ReadOnlySpan<byte> b) => new()
    {
        Type = BinaryPrimitives.ReadUInt32LittleEndian(b),
        Flags = BinaryPrimitives.ReadUInt32LittleEndian(b[0x04..]),
        Offset = BinaryPrimitives.ReadUInt64LittleEndian(b[0x08..]),
        VirtualAddress = BinaryPrimitives.ReadUInt64LittleEndian(b[0x10..]),
        PhysicalAddress = BinaryPrimitives.ReadUInt64LittleEndian(b[0x18..]),
        FileSize = BinaryPrimitives.ReadUInt64LittleEndian(b[0x20..]),
        MemorySize = BinaryPrimitives.ReadUInt64LittleEndian(b[0x28..]),
        Align = BinaryPrimitives.ReadUInt64LittleEndian(b[0x30..]),
    };
}
