using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// An x86_64 vmlinux. <see cref="Parse(ReadOnlySpan{byte})"/> validates the whole file (headers, every segment and note)
/// without touching guest memory; <see cref="Load(GuestMemory, ReadOnlySpan{byte}, ulong?, ulong?)"/>
/// then places each PT_LOAD at p_paddr (+ offset) — rust-vmm linux-loader's <c>Elf::load</c>
/// semantics, v0.14.
/// </summary>
public sealed class ElfKernel
{
    private ElfKernel(ElfHeader header, ElfProgramHeader[] programHeaders, uint? pvhEntry, PvhRelocation? relocation, ulong fileLength)
    {
        Header = header;
        ProgramHeaders = programHeaders;
        PvhEntry = pvhEntry;
        PvhRelocation = relocation;
        FileLength = fileLength;
    }

    /// <summary>The ELF file header.</summary>
    public ElfHeader Header { get; }
    /// <summary>All program headers, in file order.</summary>
    public IReadOnlyList<ElfProgramHeader> ProgramHeaders { get; }
    /// <summary>The 32-bit PVH entry from note type 18, if any.</summary>
    public uint? PvhEntry { get; }
    /// <summary>The relocatable-PVH note (type 19), if any.</summary>
    public PvhRelocation? PvhRelocation { get; }
    /// <summary>Length of the file the headers were read from.</summary>
    public ulong FileLength { get; }

    /// <summary>Parses and validates a vmlinux held in memory.</summary>
    public static ElfKernel Parse(ReadOnlySpan<byte> image) => Parse(image, (ulong)image.Length);

    /// <summary>
    /// Parses from <paramref name="image"/>, which holds at least the headers and notes of a file of
    /// <paramref name="fileLength"/> bytes (the stream path reads only those).
    /// </summary>
    private static ElfKernel Parse(ReadOnlySpan<byte> image, ulong fileLength, Stream? source = null)
    {
        var header = ElfHeader.Parse(image);
        var tableSize = (ulong)header.ProgramHeaderCount * ElfHeader.ProgramHeaderSize;
        if (header.ProgramHeaderOffset > (ulong)image.Length || tableSize > (ulong)image.Length - header.ProgramHeaderOffset)
            throw new LoaderException(LoaderError.ReadProgramHeader,
                $"program header table [0x{header.ProgramHeaderOffset:x}, +0x{tableSize:x}) lies past the end of the 0x{image.Length:x}-byte file");
        var phdrs = new ElfProgramHeader[header.ProgramHeaderCount];
        for (var i = 0; i < phdrs.Length; i++)
            phdrs[i] = ElfProgramHeader.Parse(image.Slice((int)header.ProgramHeaderOffset + i * ElfHeader.ProgramHeaderSize, ElfHeader.ProgramHeaderSize));

        uint? entry = null;
        PvhRelocation? reloc = null;
        foreach (var ph in phdrs)
        {
            if (ph.Type == ElfProgramHeader.TypeNote)
            {
                var (e, r) = source is null ? PvhNotes.Scan(image, ph) : PvhNotes.ScanSegment(ReadNote(source, ph, fileLength), ph.Offset);
                entry ??= e;
                reloc ??= r;
            }
            else if (ph.Type == ElfProgramHeader.TypeLoad && ph.FileSize != 0)
            {
                if (ph.Offset > fileLength || ph.FileSize > fileLength - ph.Offset)
                    throw new LoaderException(LoaderError.SegmentOutsideFile,
                        $"PT_LOAD p_offset 0x{ph.Offset:x} + p_filesz 0x{ph.FileSize:x} lies past the end of the 0x{fileLength:x}-byte file");
                if (ph.FileSize > ph.MemorySize)
                    throw new LoaderException(LoaderError.InvalidProgramHeaderSize,
                        $"PT_LOAD at p_paddr 0x{ph.PhysicalAddress:x}: p_filesz 0x{ph.FileSize:x} > p_memsz 0x{ph.MemorySize:x}");
            }
        }
        return new ElfKernel(header, phdrs, entry, reloc, fileLength);
    }

    /// <summary>
    /// Works out where every segment goes, checking entry against <paramref name="highmemStart"/>
    /// and every address sum for overflow, and the guest ranges against RAM. Writes nothing.
    /// </summary>
    public KernelLoadResult Plan(GuestMemory memory, ulong? loadOffset, ulong? highmemStart)
    {
        if (highmemStart is { } himem && Header.Entry < himem)
            throw new LoaderException(LoaderError.InvalidEntryAddress,
                $"e_entry 0x{Header.Entry:x} is below the start of high memory 0x{himem:x}");
        var kernelLoad = Header.Entry;
        if (loadOffset is { } offset && !TryAdd(offset, Header.Entry, out kernelLoad))
            throw new LoaderException(LoaderError.Overflow, $"load offset 0x{offset:x} + e_entry 0x{Header.Entry:x} overflows");

        var segments = new List<SegmentPlacement>();
        ulong kernelEnd = 0;
        foreach (var ph in ProgramHeaders)
        {
            if (ph.Type != ElfProgramHeader.TypeLoad || ph.FileSize == 0)
                continue;
            var dest = ph.PhysicalAddress;
            if (loadOffset is { } o && !TryAdd(o, ph.PhysicalAddress, out dest))
                throw new LoaderException(LoaderError.InvalidProgramHeaderAddress,
                    $"load offset 0x{o:x} + p_paddr 0x{ph.PhysicalAddress:x} overflows");
            if (!TryAdd(dest, ph.MemorySize, out var end))
                throw new LoaderException(LoaderError.MemoryOverflow, $"segment at 0x{dest:x} + p_memsz 0x{ph.MemorySize:x} overflows");
            segments.Add(new SegmentPlacement(ph.Offset, dest, ph.FileSize, ph.MemorySize));
            kernelEnd = Math.Max(kernelEnd, end);
        }
        LoadPlan.Validate(memory, segments, FileLength);
        return new KernelLoadResult
        {
            Format = ImageFormat.Elf,
            KernelLoad = kernelLoad,
            KernelEnd = kernelEnd,
            Segments = segments,
            Pvh = PvhFor(loadOffset),
        };
    }

    /// <summary>Parses, validates and loads an in-memory vmlinux; all-or-nothing.</summary>
    public static KernelLoadResult Load(GuestMemory memory, ReadOnlySpan<byte> image, ulong? loadOffset = null, ulong? highmemStart = null)
    {
        var result = Parse(image).Plan(memory, loadOffset, highmemStart);
        LoadPlan.Apply(memory, result.Segments, image);
        return result;
    }

    /// <summary>
    /// Loads from a seekable stream: headers are read and validated first, then each segment is
    /// copied straight into guest memory; a failed read restores what was overwritten.
    /// </summary>
    public static KernelLoadResult Load(GuestMemory memory, Stream image, ulong? loadOffset = null, ulong? highmemStart = null)
    {
        var headers = ImageStreams.ReadHeaders(image, ElfHeadersExtent(image));
        var kernel = Parse(headers.Span, (ulong)image.Length, image);
        var result = kernel.Plan(memory, loadOffset, highmemStart);
        LoadPlan.Apply(memory, result.Segments, image);
        return result;
    }

    /// <summary>How many leading bytes hold the ELF header and the program headers (notes are read one by one).</summary>
    private static long ElfHeadersExtent(Stream image)
    {
        Span<byte> eh = stackalloc byte[ElfHeader.Size];
        image.Seek(0, SeekOrigin.Begin);
        if (image.ReadAtLeast(eh, eh.Length, throwOnEndOfStream: false) < eh.Length)
            return image.Length;
        var header = ElfHeader.Parse(eh);
        return (long)Math.Min((ulong)image.Length,
            SaturatingAdd(Math.Max(header.ProgramHeaderOffset, ElfHeader.Size), (ulong)header.ProgramHeaderCount * ElfHeader.ProgramHeaderSize));
    }

    /// <summary>
    /// Reads one PT_NOTE segment from the stream (a vmlinux's notes sit tens of MB into the file: reading
    /// everything up to them would cost the file's size). Outside the file is ReadNoteHeader, as for spans.
    /// </summary>
    private static byte[] ReadNote(Stream source, in ElfProgramHeader note, ulong fileLength)
    {
        if (note.Offset > fileLength || note.FileSize > fileLength - note.Offset)
            throw new LoaderException(LoaderError.ReadNoteHeader,
                $"PT_NOTE [0x{note.Offset:x}, +0x{note.FileSize:x}) lies past the end of the file");
        var bytes = new byte[note.FileSize];
        try
        {
            source.Seek((long)note.Offset, SeekOrigin.Begin);
            source.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading PT_NOTE at 0x{note.Offset:x} failed: {e.Message}", e);
        }
        return bytes;
    }

    private PvhBootCapability PvhFor(ulong? loadOffset)
    {
        if (PvhEntry is not { } entry)
            return new PvhBootCapability(PvhEntryKind.NotPresent, 0, PvhRelocation);
        if (loadOffset is not { } offset || offset == 0)
            return new PvhBootCapability(PvhEntryKind.Present, entry, PvhRelocation);
        // A relocatable PVH kernel (note 19) still has a valid entry when moved by a multiple of its
        // alignment inside [min, max]: the entry moves with it (arch/x86/platform/pvh/head.S).
        if (PvhRelocation is { } r && r.Align != 0 && offset % r.Align == 0 && TryAdd(offset, entry, out var moved) && moved <= uint.MaxValue
            && offset + r.Min >= r.Min && offset + r.Min <= r.Max)
            return new PvhBootCapability(PvhEntryKind.Present, moved, r);
        return new PvhBootCapability(PvhEntryKind.Ignored, 0, PvhRelocation);
    }

    private static bool TryAdd(ulong a, ulong b, out ulong sum)
    {
        sum = a + b;
        return sum >= a;
    }

    private static ulong SaturatingAdd(ulong a, ulong b) => a + b < a ? ulong.MaxValue : a + b;
}
