using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// Finds the Xen PVH notes in a PT_NOTE segment: XEN_ELFNOTE_PHYS32_ENTRY (18) and
/// XEN_ELFNOTE_PHYS32_RELOC (19), both with name "Xen\0" (include/xen/interface/elfnote.h).
/// </summary>
internal static class PvhNotes
{
    public const uint Phys32Entry = 18;
    public const uint Phys32Reloc = 19;
    private const int NoteHeaderSize = 12; // Elf64_Nhdr: n_namesz, n_descsz, n_type (u32 each)

    /// <summary>
    /// Walks the notes of one segment. Name and descriptor are padded to 4 bytes whatever p_align says:
    /// Linux emits its notes with ELFNOTE's 4-byte alignment, and linux-loader ignores p_align
    /// (test_elfnote_8byte_align.bin has p_align 8 over 4-byte-padded notes; test_bad_align.bin has
    /// p_align 0xd). A PT_NOTE outside the file is ReadNoteHeader.
    /// </summary>
    public static (uint? Entry, PvhRelocation? Relocation) Scan(ReadOnlySpan<byte> image, in ElfProgramHeader note)
    {
        if (note.Offset > (ulong)image.Length || note.FileSize > (ulong)image.Length - note.Offset)
            throw new LoaderException(LoaderError.ReadNoteHeader,
                $"PT_NOTE [0x{note.Offset:x}, +0x{note.FileSize:x}) lies past the end of the file");
        return ScanSegment(image.Slice((int)note.Offset, (int)note.FileSize), note.Offset);
    }

    /// <summary>Walks the notes of one segment already read: <paramref name="notes"/> is the PT_NOTE's bytes, found at <paramref name="fileOffset"/>.</summary>
    public static (uint? Entry, PvhRelocation? Relocation) ScanSegment(ReadOnlySpan<byte> notes, ulong fileOffset)
    {
        const int align = 4;
        uint? entry = null;
        PvhRelocation? reloc = null;
        var pos = 0;
        while (notes.Length - pos >= NoteHeaderSize)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[pos..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 8)..]);
            var nameStart = (long)pos + NoteHeaderSize;
            var descStart = nameStart + AlignUp(nameSize, align);
            var next = descStart + AlignUp(descSize, align);
            var isXen = nameSize == 4 && nameStart + 4 <= notes.Length && notes.Slice((int)nameStart, 4).SequenceEqual("Xen\0"u8);
            if (descStart + descSize > notes.Length)
            {
                // An overrunning Xen note is a broken PVH note; any other overrun ends the walk, as
                // linux-loader's parse_elf_note does (test_bad_align.bin holds such garbage).
                if (isXen && type is Phys32Entry or Phys32Reloc)
                    throw new LoaderException(LoaderError.ReadNoteHeader,
                        $"Xen note type {type} at file offset 0x{fileOffset + (ulong)pos:x} (descsz 0x{descSize:x}) runs past its PT_NOTE segment");
                break;
            }
            var desc = notes.Slice((int)descStart, (int)descSize);
            if (isXen)
            {
                if (type == Phys32Entry)
                {
                    if (descSize < 4)
                        throw new LoaderException(LoaderError.InvalidPvhNote,
                            $"PVH note (type 18) descriptor is {descSize} bytes; a 32-bit entry needs 4 (linux-loader InvalidPvhNote)");
                    entry ??= BinaryPrimitives.ReadUInt32LittleEndian(desc);
                }
                else if (type == Phys32Reloc)
                {
                    if (descSize < 12)
                        throw new LoaderException(LoaderError.InvalidPvhNote,
                            $"PVH relocation note (type 19) descriptor is {descSize} bytes; align/min/max need 12");
                    reloc ??= new PvhRelocation(BinaryPrimitives.ReadUInt32LittleEndian(desc),
                        BinaryPrimitives.ReadUInt32LittleEndian(desc[4..]), BinaryPrimitives.ReadUInt32LittleEndian(desc[8..]));
                }
            }
            if (next >= notes.Length)
                break;
            pos = (int)next;
        }
        return (entry, reloc);
    }

    private static long AlignUp(uint value, int align) => ((long)value + align - 1) & ~(long)(align - 1);
}
