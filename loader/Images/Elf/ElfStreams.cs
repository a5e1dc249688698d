using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// The seekable-stream reads of a vmlinux load: the leading headers, then each PT_NOTE on its own (a vmlinux's
/// notes sit tens of MB into the file: reading everything up to them would cost the file's size). Seek failures
/// are linux-loader's elf::SeekElfStart, elf::SeekProgramHeader and elf::SeekNoteHeader.
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
    /// The first <paramref name="extent"/> bytes (<see cref="HeadersExtent"/>): the ELF header from offset 0, then the
    /// program header table after a seek to <c>e_phoff</c>, as linux-loader's Elf::load reads them (src/loader/elf/mod.rs:
    /// <c>seek(SeekFrom::Start(0))</c> → SeekElfStart, <c>seek(SeekFrom::Start(ehdr.e_phoff))</c> → SeekProgramHeader).
    /// </summary>
    public static ReadOnlyMemory<byte> ReadHeaders(Stream image, long extent)
    {
        var head = ImageStreams.ReadHeaders(image, Math.Min(extent, ElfHeader.Size), LoaderError.SeekElfStart);
        if (head.Length < ElfHeader.Size || extent <= head.Length)
            return head;
        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(head.Span[0x20..]);
        if (phoff < (ulong)head.Length || phoff >= (ulong)extent)
            return ImageStreams.ReadHeaders(image, extent, LoaderError.SeekElfStart);
        var buffer = new byte[extent];
        head.CopyTo(buffer);
        // The bytes between the ELF header and the table are read on the way (forward, no seek), then the table after its own seek.
        Read(image, buffer.AsSpan(head.Length, (int)phoff - head.Length));
        ImageStreams.Seek(image, (long)phoff, LoaderError.SeekProgramHeader, "the program header table");
        Read(image, buffer.AsSpan((int)phoff));
        return buffer;
    }

    private static void Read(Stream image, Span<byte> into)
    {
        try
        {
            image.ReadExactly(into);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading the ELF headers failed: {e.Message}", e);
        }
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
