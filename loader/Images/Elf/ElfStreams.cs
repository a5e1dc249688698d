using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// The seekable-stream reads of a vmlinux load: the leading headers, then each PT_NOTE on its own (a vmlinux's
/// notes sit tens of MB into the file: reading everything up to them would cost the file's size). Seek failures
/// are linux-loader's elf::SeekElfStart and elf::SeekNoteHeader.
/// </summary>
internal static class ElfStreams
{
    /// <summary>How many leading bytes hold the ELF header and the program headers.</summary>
    public static long HeadersExtent(Stream image)
    {
        Span<byte> eh = stackalloc byte[ElfHeader.Size];
        ImageStreams.Seek(image, 0, LoaderError.SeekElfStart, "the ELF header");
        if (image.ReadAtLeast(eh, eh.Length, throwOnEndOfStream: false) < eh.Length)
            return image.Length;
        var header = ElfHeader.Parse(eh);
        var end = Math.Max(header.ProgramHeaderOffset, ElfHeader.Size) + (ulong)header.ProgramHeaderCount * ElfHeader.ProgramHeaderSize;
        return (long)Math.Min((ulong)image.Length, end < header.ProgramHeaderOffset ? ulong.MaxValue : end);
    }

    /// <summary>
    /// The PT_NOTE's bytes and up to <see cref="PvhNotes.Slack"/> bytes after it (linux-loader may read that far
    /// for a note that starts inside the segment), clamped to the file; empty when the segment starts past it.
    /// </summary>
    public static byte[] ReadNote(Stream source, in ElfProgramHeader note, ulong fileLength)
    {
        if (note.Offset >= fileLength)
            return [];
        var wanted = note.FileSize + PvhNotes.Slack < note.FileSize ? ulong.MaxValue : note.FileSize + PvhNotes.Slack;
        var bytes = new byte[Math.Min(fileLength - note.Offset, wanted)];
        ImageStreams.Seek(source, (long)note.Offset, LoaderError.SeekNoteHeader, "a PT_NOTE segment");
        try
        {
            source.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading PT_NOTE at 0x{note.Offset:x} failed: {e.Message}", e);
        }
        return bytes;
    }
}
