using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>The raw XEN_ELFNOTE_PHYS32_RELOC values, in note order; null where the descriptor stops short.</summary>
internal readonly record struct PvhRelocationNote(uint? Align, uint? Min, uint? Max)
{
    public int Count => Max is not null ? 3 : Min is not null ? 2 : Align is not null ? 1 : 0;
}

/// <summary>What one PT_NOTE segment says about PVH.</summary>
internal readonly record struct PvhSegmentNotes(uint? Entry, PvhRelocationNote? Relocation);

/// <summary>
/// Finds the Xen PVH notes in a PT_NOTE segment: XEN_ELFNOTE_PHYS32_ENTRY (18) and
/// XEN_ELFNOTE_PHYS32_RELOC (19), both with name "Xen\0" (Xen public/elfnote.h). Two readings: the strict one
/// of this loader (<see cref="ScanStrict"/>) and linux-loader's <c>parse_elf_note</c> (<see cref="ScanLikeLinuxLoader"/>).
/// </summary>
internal static class PvhNotes
{
    public const uint Phys32Entry = 18;
    public const uint Phys32Reloc = 19;
    private const int NoteHeaderSize = 12; // Elf64_Nhdr: n_namesz, n_descsz, n_type (u32 each)
    private const int Align = 4;
    private static ReadOnlySpan<byte> XenName => "Xen\0"u8;

    /// <summary>
    /// Bytes past p_filesz that linux-loader may read for a note starting inside the segment: a 12-byte header,
    /// the 4-byte name and the 4 entry bytes.
    /// </summary>
    public const int Slack = NoteHeaderSize + 4 + 4;

    /// <summary>
    /// Walks the notes of one segment (<paramref name="notes"/> is exactly its p_filesz bytes). Name and descriptor
    /// are padded to 4 bytes whatever p_align says: Linux emits its notes with ELFNOTE's 4-byte alignment, and
    /// linux-loader ignores p_align (test_elfnote_8byte_align.bin has p_align 8 over 4-byte-padded notes;
    /// test_bad_align.bin has p_align 0xd). The first note 18 and the first note 19 of the segment count. A Xen
    /// 18/19 note running past the segment is ReadNoteHeader; any other overrun ends the walk.
    /// </summary>
    public static PvhSegmentNotes ScanStrict(ReadOnlySpan<byte> notes, ulong fileOffset)
    {
        uint? entry = null;
        PvhRelocationNote? reloc = null;
        var pos = 0;
        while (notes.Length - pos >= NoteHeaderSize)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[pos..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 8)..]);
            var nameStart = (long)pos + NoteHeaderSize;
            var descStart = nameStart + AlignUp(nameSize);
            var next = descStart + AlignUp(descSize);
            var isXen = nameSize == 4 && nameStart + 4 <= notes.Length && notes.Slice((int)nameStart, 4).SequenceEqual(XenName);
            if (descStart + descSize > notes.Length)
            {
                if (isXen && type is Phys32Entry or Phys32Reloc)
                    throw new LoaderException(LoaderError.ReadNoteHeader,
                        $"Xen note type {type} at file offset 0x{fileOffset + (ulong)pos:x} (descsz 0x{descSize:x}) runs past its PT_NOTE segment");
                break;
            }
            var desc = notes.Slice((int)descStart, (int)descSize);
            if (isXen && type == Phys32Entry)
            {
                if (descSize < 4)
                    throw new LoaderException(LoaderError.InvalidPvhNote,
                        $"PVH note (type 18) descriptor is {descSize} bytes; a 32-bit entry needs 4 (linux-loader InvalidPvhNote)");
                entry ??= BinaryPrimitives.ReadUInt32LittleEndian(desc);
            }
            else if (isXen && type == Phys32Reloc)
            {
                // elfnote.h: "up to three 32bit values ... read in the following order": align, min, max.
                reloc ??= new PvhRelocationNote(Value(desc, 0), Value(desc, 1), Value(desc, 2));
            }
            if (next >= notes.Length)
                break;
            pos = (int)next;
        }
        return new PvhSegmentNotes(entry, reloc);
    }

    /// <summary>
    /// linux-loader v0.14 <c>parse_elf_note</c>, step for step: <paramref name="bytes"/> holds the file from p_offset
    /// on, up to p_filesz + <see cref="Slack"/> bytes or the end of the file. While the position is inside the
    /// segment, read a note header; a type-18 note with namesz 4 and name "Xen\0" stops the walk, otherwise skip
    /// 12 + aligned name + aligned descriptor. Nothing found is NotPresent; descsz &lt; 4 is InvalidPvhNote; reads
    /// past the end of the file are ReadNoteHeader; aligned sizes above u32 are Overflow.
    /// </summary>
    public static PvhBootCapability ScanLikeLinuxLoader(ReadOnlySpan<byte> bytes, ulong fileSize, ulong fileOffset)
    {
        ulong readSize = 0;
        uint descSize = 0;
        while (readSize < fileSize)
        {
            var header = Read(bytes, readSize, NoteHeaderSize, fileOffset);
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(header);
            descSize = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            if (type == Phys32Entry && nameSize == 4 && Read(bytes, readSize + NoteHeaderSize, 4, fileOffset).SequenceEqual(XenName))
                break;
            var nameAligned = AlignUp(nameSize);
            var descAligned = AlignUp(descSize);
            if (nameAligned > uint.MaxValue || descAligned > uint.MaxValue)
                throw new LoaderException(LoaderError.Overflow,
                    $"note at file offset 0x{fileOffset + readSize:x}: namesz 0x{nameSize:x} / descsz 0x{descSize:x} aligned to 4 overflow 32 bits");
            var step = (ulong)NoteHeaderSize + (ulong)nameAligned + (ulong)descAligned;
            if (readSize + step < readSize)
                throw new LoaderException(LoaderError.Overflow, $"note walk past file offset 0x{fileOffset + readSize:x} overflows");
            readSize += step;
        }
        if (readSize >= fileSize)
            return PvhBootCapability.NotPresent;
        if (descSize < 4)
            throw new LoaderException(LoaderError.InvalidPvhNote,
                $"PVH note (type 18) descriptor is {descSize} bytes; a 32-bit entry needs 4 (linux-loader InvalidPvhNote)");
        // The name was 4 bytes, so the descriptor follows it directly.
        var entry = BinaryPrimitives.ReadUInt32LittleEndian(Read(bytes, readSize + NoteHeaderSize + 4, 4, fileOffset));
        return new PvhBootCapability(PvhEntryKind.Present, entry, null);
    }

    private static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> bytes, ulong at, int count, ulong fileOffset)
    {
        if (at > (ulong)bytes.Length || (ulong)count > (ulong)bytes.Length - at)
            throw new LoaderException(LoaderError.ReadNoteHeader,
                $"note bytes at file offset 0x{fileOffset + at:x} (+{count}) lie past the end of the file");
        return bytes.Slice((int)at, count);
    }

    private static uint? Value(ReadOnlySpan<byte> desc, int index) =>
        desc.Length >= (index + 1) * 4 ? BinaryPrimitives.ReadUInt32LittleEndian(desc[(index * 4)..]) : null;

    private static long AlignUp(uint value) => ((long)value + Align - 1) & ~(long)(Align - 1);
}
