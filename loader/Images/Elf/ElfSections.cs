using System.Buffers.Binary;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// What an ELF64 file's section headers say about its loaded bytes (gABI "Sections"; Elf64_Shdr, 64 bytes). Loading
/// needs only the program headers; this is a hint on top of them, so a missing or malformed table gives null and
/// never an error.
/// </summary>
public static class ElfSections
{
    private const int HeaderSize = 64;
    private const uint TypeProgbits = 1; // SHT_PROGBITS
    private const ulong FlagWrite = 0x1, FlagExecInstr = 0x4; // SHF_WRITE, SHF_EXECINSTR

    /// <summary>
    /// The file ranges (offset, length) of the sections with bytes in the file that are writable or executable: where a
    /// kernel writes early on, its data and the code it patches (alternatives, static calls, jump labels), unlike its
    /// read-only data and debug information. Null when the file has no usable section header table.
    /// </summary>
    public static IReadOnlyList<(ulong Offset, ulong Length)>? WrittenOrExecuted(ReadOnlySpan<byte> image)
    {
        if (image.Length < ElfHeader.Size || !ElfHeader.HasMagic(image))
            return null;
        var tableAt = BinaryPrimitives.ReadUInt64LittleEndian(image[0x28..]); // e_shoff
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3A..]); // e_shentsize
        var count = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3C..]); // e_shnum (0: none, or more than 0xFF00 in section 0)
        if (tableAt == 0 || count == 0 || entrySize != HeaderSize || tableAt > (ulong)image.Length
            || (ulong)count * HeaderSize > (ulong)image.Length - tableAt)
            return null;
        var ranges = new List<(ulong, ulong)>();
        for (var i = 0; i < count; i++)
        {
            var s = image.Slice((int)tableAt + i * HeaderSize, HeaderSize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(s[0x04..]); // sh_type
            var flags = BinaryPrimitives.ReadUInt64LittleEndian(s[0x08..]); // sh_flags
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(s[0x18..]); // sh_offset
            var size = BinaryPrimitives.ReadUInt64LittleEndian(s[0x20..]); // sh_size
            if (type == TypeProgbits && (flags & (FlagWrite | FlagExecInstr)) != 0 && size != 0
                && offset <= (ulong)image.Length && size <= (ulong)image.Length - offset)
                ranges.Add((offset, size));
        }
        return ranges;
    }
}
