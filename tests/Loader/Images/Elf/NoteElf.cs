using static LoaderHarness.Loader.Binary.LittleEndian;

namespace LoaderHarness.Tests.Loader.Images.Elf;

/// <summary>
/// Builds small x86_64 ELF files with one PT_LOAD and any number of PT_NOTE segments of raw note bytes, for the
/// note-reading rules (ELF gABI Elf64_Ehdr 64 bytes, Elf64_Phdr 56 bytes, Elf64_Nhdr 12 bytes).
/// </summary>
internal static class NoteElf
{
    private const int EhdrSize = 64, PhdrSize = 56;

    /// <summary>A note named "Xen\0" (Xen public/elfnote.h) of <paramref name="type"/> with <paramref name="desc"/>, 4-byte padded.</summary>
    public static byte[] Xen(uint type, params byte[] desc) => Note("Xen\0"u8, type, desc);

    /// <summary>A Xen note 18 (XEN_ELFNOTE_PHYS32_ENTRY) with a 32-bit entry.</summary>
    public static byte[] Entry(uint entry) => Xen(18, BitConverter.GetBytes(entry));

    /// <summary>A Xen note 19 (XEN_ELFNOTE_PHYS32_RELOC) carrying the given values in order align, min, max.</summary>
    public static byte[] Reloc(params uint[] values) => Xen(19, [.. values.SelectMany(BitConverter.GetBytes)]);

    /// <summary>A note that is not Xen's (GNU build-id shaped).</summary>
    public static byte[] Other() => Note("GNU\0"u8, 3, [1, 2, 3, 4, 5, 6, 7, 8]);

    /// <summary>An ELF with one PT_LOAD of <paramref name="codeSize"/> bytes at <paramref name="paddr"/> (p_align <paramref name="loadAlign"/>) and one PT_NOTE per entry of <paramref name="notes"/>.</summary>
    public static byte[] Build(byte[][] notes, ulong paddr = 0x100_0000, int codeSize = 0x100, ulong memSize = 0, ulong loadAlign = 0x20_0000)
    {
        var phnum = 1 + notes.Length;
        var offset = EhdrSize + phnum * PhdrSize;
        var noteOffsets = new int[notes.Length];
        for (var i = 0; i < notes.Length; i++)
        {
            noteOffsets[i] = offset;
            offset += notes[i].Length;
        }
        var codeOffset = (offset + 0xFFF) & ~0xFFF;
        var file = new byte[codeOffset + codeSize];
        var b = file.AsSpan();
        ReadOnlySpan<byte> magic = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1];
        magic.CopyTo(b);
        WriteU16(b, 16, 2);   // ET_EXEC
        WriteU16(b, 18, 62);  // EM_X86_64
        WriteU32(b, 20, 1);
        WriteU64(b, 24, paddr);
        WriteU64(b, 32, EhdrSize);
        WriteU16(b, 52, EhdrSize);
        WriteU16(b, 54, PhdrSize);
        WriteU16(b, 56, (ushort)phnum);
        Phdr(b[EhdrSize..], 1, (ulong)codeOffset, paddr, (ulong)codeSize, Math.Max(memSize, (ulong)codeSize), loadAlign);
        for (var i = 0; i < notes.Length; i++)
        {
            Phdr(b[(EhdrSize + (i + 1) * PhdrSize)..], 4, (ulong)noteOffsets[i], 0, (ulong)notes[i].Length, (ulong)notes[i].Length, 4);
            notes[i].CopyTo(b[noteOffsets[i]..]);
        }
        return file;
    }

    /// <summary>Concatenates notes into one segment's bytes.</summary>
    public static byte[] Segment(params byte[][] notes) => [.. notes.SelectMany(n => n)];

    private static byte[] Note(ReadOnlySpan<byte> name, uint type, byte[] desc)
    {
        var nameAligned = (name.Length + 3) & ~3;
        var note = new byte[12 + nameAligned + ((desc.Length + 3) & ~3)];
        WriteU32(note, 0, (uint)name.Length);
        WriteU32(note, 4, (uint)desc.Length);
        WriteU32(note, 8, type);
        name.CopyTo(note.AsSpan(12));
        desc.CopyTo(note, 12 + nameAligned);
        return note;
    }

    private static void Phdr(Span<byte> p, uint type, ulong offset, ulong paddr, ulong filesz, ulong memsz, ulong align)
    {
        WriteU32(p, 0, type);
        WriteU32(p, 4, 5);
        WriteU64(p, 8, offset);
        WriteU64(p, 16, paddr);
        WriteU64(p, 24, paddr);
        WriteU64(p, 32, filesz);
        WriteU64(p, 40, memsz);
        WriteU64(p, 48, align);
    }
}
