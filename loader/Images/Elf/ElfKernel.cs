using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// An x86_64 vmlinux. <see cref="Parse(ReadOnlySpan{byte})"/> validates the whole file (headers, every segment and note)
/// without touching guest memory; <see cref="Load(GuestMemory, ReadOnlySpan{byte}, ulong?, ulong?, PvhNoteRules)"/>
/// then places each PT_LOAD at p_paddr (+ offset) — rust-vmm linux-loader's <c>Elf::load</c>
/// semantics, v0.14, with the PVH answer chosen by <see cref="PvhNoteRules"/>.
/// </summary>
public sealed class ElfKernel
{
    private readonly NoteSegment[] _notes;
    private readonly LoaderException? _noteError;

    private ElfKernel(ElfHeader header, ElfProgramHeader[] programHeaders, NoteSegment[] notes, ulong fileLength)
    {
        Header = header;
        ProgramHeaders = programHeaders;
        _notes = notes;
        FileLength = fileLength;
        try
        {
            (PvhEntry, PvhRelocation) = ReadNotesStrictly(notes, programHeaders, fileLength);
        }
        catch (LoaderException e)
        {
            _noteError = e;
        }
    }

    /// <summary>The ELF file header.</summary>
    public ElfHeader Header { get; }
    /// <summary>All program headers, in file order.</summary>
    public IReadOnlyList<ElfProgramHeader> ProgramHeaders { get; }
    /// <summary>The 32-bit PVH entry from note type 18, if any (read by <see cref="PvhNoteRules.Strict"/>).</summary>
    public uint? PvhEntry { get; }
    /// <summary>The relocatable-PVH note (type 19) with elfnote.h's defaults applied, if the note is present.</summary>
    public PvhRelocation? PvhRelocation { get; }
    /// <summary>Length of the file the headers were read from.</summary>
    public ulong FileLength { get; }

    /// <summary>Lowest p_paddr of a PT_LOAD with bytes: where the image starts when loaded without an offset.</summary>
    public ulong ImageStart => LoadSegments().Select(p => p.PhysicalAddress).DefaultIfEmpty(0UL).Min();

    /// <summary>Bytes from <see cref="ImageStart"/> to the end of the highest PT_LOAD (p_memsz, BSS included).</summary>
    public ulong ImageSize => LoadSegments().Select(p => SaturatingAdd(p.PhysicalAddress, p.MemorySize)).DefaultIfEmpty(0UL).Max() - ImageStart;

    /// <summary>Parses and validates a vmlinux held in memory; a malformed PVH note is rejected here.</summary>
    public static ElfKernel Parse(ReadOnlySpan<byte> image)
    {
        var kernel = Parse(image, (ulong)image.Length);
        if (kernel._noteError is { } e)
            throw e;
        return kernel;
    }

    /// <summary>
    /// Parses from <paramref name="image"/>, which holds at least the headers of a file of
    /// <paramref name="fileLength"/> bytes (the stream path reads only those, and each note on its own).
    /// Note problems are kept for <see cref="Plan"/>: linux-loader does not read notes when given an offset.
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

        var notes = new List<NoteSegment>();
        foreach (var ph in phdrs)
        {
            if (ph.Type == ElfProgramHeader.TypeNote)
            {
                notes.Add(new NoteSegment(ph, source is null ? NoteBytes(image, ph) : ElfStreams.ReadNote(source, ph, fileLength)));
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
        return new ElfKernel(header, phdrs, [.. notes], fileLength);
    }

    /// <summary>
    /// Works out where every segment goes, checking entry against <paramref name="highmemStart"/>
    /// and every address sum for overflow, and the guest ranges against RAM. Writes nothing.
    /// <paramref name="rules"/> decides the PVH answer (and whether a broken note fails the plan).
    /// </summary>
    public KernelLoadResult Plan(GuestMemory memory, ulong? loadOffset, ulong? highmemStart, PvhNoteRules rules = PvhNoteRules.LinuxLoader) =>
        PlanMoved(memory, loadOffset, highmemStart, rules, wrapping: false);

    /// <summary>
    /// Plans the image moved so that its first byte (<see cref="ImageStart"/>) lands at <paramref name="imageStart"/>,
    /// up or down — a relocatable PVH load (XEN_ELFNOTE_PHYS32_RELOC) — with <see cref="PvhNoteRules.Strict"/> rules:
    /// the PVH entry moves with the image when the note allows the start.
    /// </summary>
    public KernelLoadResult PlanAt(GuestMemory memory, ulong imageStart, ulong? highmemStart) =>
        PlanMoved(memory, unchecked(imageStart - ImageStart), highmemStart, PvhNoteRules.Strict, wrapping: true);

    private KernelLoadResult PlanMoved(GuestMemory memory, ulong? loadOffset, ulong? highmemStart, PvhNoteRules rules, bool wrapping)
    {
        if (highmemStart is { } himem && Header.Entry < himem)
            throw new LoaderException(LoaderError.InvalidEntryAddress,
                $"e_entry 0x{Header.Entry:x} is below the start of high memory 0x{himem:x}");
        // A move down is an offset that wraps (two's complement); only PlanAt, whose destination is checked, asks for it.
        bool TryMove(ulong offset, ulong address, out ulong moved)
        {
            moved = unchecked(offset + address);
            return wrapping || moved >= offset;
        }
        var kernelLoad = Header.Entry;
        if (loadOffset is { } offset && !TryMove(offset, Header.Entry, out kernelLoad))
            throw new LoaderException(LoaderError.Overflow, $"load offset 0x{offset:x} + e_entry 0x{Header.Entry:x} overflows");

        var segments = new List<SegmentPlacement>();
        ulong kernelEnd = 0;
        foreach (var ph in ProgramHeaders)
        {
            if (ph.Type != ElfProgramHeader.TypeLoad || ph.FileSize == 0)
                continue;
            var dest = ph.PhysicalAddress;
            if (loadOffset is { } o && !TryMove(o, ph.PhysicalAddress, out dest))
                throw new LoaderException(LoaderError.InvalidProgramHeaderAddress,
                    $"load offset 0x{o:x} + p_paddr 0x{ph.PhysicalAddress:x} overflows");
            if (!TryAdd(dest, ph.MemorySize, out var end))
                throw new LoaderException(LoaderError.MemoryOverflow, $"segment at 0x{dest:x} + p_memsz 0x{ph.MemorySize:x} overflows");
            segments.Add(new SegmentPlacement(ph.Offset, dest, ph.FileSize, ph.MemorySize));
            kernelEnd = Math.Max(kernelEnd, end);
        }
        var pvh = rules == PvhNoteRules.LinuxLoader ? PvhLikeLinuxLoader(loadOffset) : PvhStrict(loadOffset);
        LoadPlan.Validate(memory, segments, FileLength);
        return new KernelLoadResult
        {
            Format = ImageFormat.Elf,
            KernelLoad = kernelLoad,
            KernelEnd = kernelEnd,
            Segments = segments,
            Pvh = pvh,
        };
    }

    /// <summary>Parses, validates and loads an in-memory vmlinux; all-or-nothing.</summary>
    public static KernelLoadResult Load(GuestMemory memory, ReadOnlySpan<byte> image, ulong? loadOffset = null, ulong? highmemStart = null,
        PvhNoteRules rules = PvhNoteRules.LinuxLoader)
    {
        var result = Parse(image, (ulong)image.Length).Plan(memory, loadOffset, highmemStart, rules);
        LoadPlan.Apply(memory, result.Segments, image);
        return result;
    }

    /// <summary>
    /// Loads from a stream. A seekable stream has its headers read and validated first, then each segment copied
    /// straight into guest memory (a failed read restores what was overwritten; a failed seek is
    /// linux-loader's Seek* error for what it was seeking). A stream that cannot seek is read forward once, whole.
    /// </summary>
    public static KernelLoadResult Load(GuestMemory memory, Stream image, ulong? loadOffset = null, ulong? highmemStart = null,
        PvhNoteRules rules = PvhNoteRules.LinuxLoader)
    {
        if (!image.CanSeek)
            return Load(memory, ImageStreams.ReadForward(image), loadOffset, highmemStart, rules);
        var headers = ElfStreams.ReadHeaders(image, ElfStreams.HeadersExtent(image));
        var kernel = Parse(headers.Span, (ulong)image.Length, image);
        var result = kernel.Plan(memory, loadOffset, highmemStart, rules);
        LoadPlan.Apply(memory, result.Segments, image, LoaderError.SeekKernelStart);
        return result;
    }

    /// <summary>The PT_NOTE's bytes and up to <see cref="PvhNotes.Slack"/> after it, clamped to the file.</summary>
    private static byte[] NoteBytes(ReadOnlySpan<byte> image, in ElfProgramHeader note)
    {
        if (note.Offset >= (ulong)image.Length)
            return [];
        var available = (ulong)image.Length - note.Offset;
        var take = Math.Min(available, SaturatingAdd(note.FileSize, PvhNotes.Slack));
        return image.Slice((int)note.Offset, (int)take).ToArray();
    }

    private static (uint? Entry, PvhRelocation? Relocation) ReadNotesStrictly(NoteSegment[] notes, ElfProgramHeader[] phdrs, ulong fileLength)
    {
        uint? entry = null;
        PvhRelocationNote? reloc = null;
        foreach (var (ph, bytes) in notes)
        {
            if (ph.Offset > fileLength || ph.FileSize > fileLength - ph.Offset)
                throw new LoaderException(LoaderError.ReadNoteHeader,
                    $"PT_NOTE [0x{ph.Offset:x}, +0x{ph.FileSize:x}) lies past the end of the file");
            var found = PvhNotes.ScanStrict(bytes.AsSpan(0, (int)ph.FileSize), ph.Offset);
            entry = found.Entry ?? entry;
            reloc = found.Relocation ?? reloc;
        }
        return (entry, reloc is { } r ? WithDefaults(r, phdrs) : null);
    }

    /// <summary>
    /// elfnote.h XEN_ELFNOTE_PHYS32_RELOC: missing values take their defaults; the alignment's default is the
    /// largest PT_LOAD p_align when that is at least 4 KiB, else 2 MiB.
    /// </summary>
    private static PvhRelocation WithDefaults(PvhRelocationNote note, ElfProgramHeader[] phdrs)
    {
        var maxAlign = phdrs.Where(p => p.Type == ElfProgramHeader.TypeLoad).Select(p => p.Align).DefaultIfEmpty(0UL).Max();
        var align = note.Align ?? (maxAlign is >= 0x1000 and <= uint.MaxValue ? (uint)maxAlign : Elf.PvhRelocation.DefaultAlign);
        return new PvhRelocation(align, note.Min ?? Elf.PvhRelocation.DefaultMin, note.Max ?? Elf.PvhRelocation.DefaultMax, note.Count);
    }

    private PvhBootCapability PvhLikeLinuxLoader(ulong? loadOffset)
    {
        // linux-loader Elf::load: pvh_boot_cap starts as Default (PvhEntryIgnored) and every PT_NOTE overwrites it.
        var pvh = PvhBootCapability.Ignored;
        foreach (var (ph, bytes) in _notes)
            pvh = loadOffset is null ? PvhNotes.ScanLikeLinuxLoader(bytes, ph.FileSize, ph.Offset) : PvhBootCapability.Ignored;
        return pvh;
    }

    private PvhBootCapability PvhStrict(ulong? loadOffset)
    {
        if (_noteError is { } e)
            throw e;
        if (PvhEntry is not { } entry)
            return new PvhBootCapability(PvhEntryKind.NotPresent, 0, PvhRelocation);
        if (loadOffset is not { } offset || offset == 0)
            return new PvhBootCapability(PvhEntryKind.Present, entry, PvhRelocation);
        // A relocatable PVH kernel (note 19) still has a valid entry when the whole image lands inside the note's
        // bounds at its alignment: the entry moves with it (arch/x86/platform/pvh/head.S finds its load address).
        // Offsets wrap here: a move down is a two's-complement offset (PlanAt).
        var start = unchecked(offset + ImageStart);
        var moved = unchecked(offset + entry);
        if (PvhRelocation is { } r && r.Allows(start, ImageSize) && moved <= uint.MaxValue)
            return new PvhBootCapability(PvhEntryKind.Present, moved, r);
        return new PvhBootCapability(PvhEntryKind.Ignored, 0, PvhRelocation);
    }

    private IEnumerable<ElfProgramHeader> LoadSegments() =>
        ProgramHeaders.Where(p => p.Type == ElfProgramHeader.TypeLoad && p.FileSize != 0);

    private static bool TryAdd(ulong a, ulong b, out ulong sum)
    {
        sum = a + b;
        return sum >= a;
    }

    private static ulong SaturatingAdd(ulong a, ulong b) => a + b < a ? ulong.MaxValue : a + b;

    private readonly record struct NoteSegment(ElfProgramHeader Header, byte[] Bytes);
}
