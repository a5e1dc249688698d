using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Uki;

/// <summary>
/// The headers of a PE/COFF image that locate its sections (Microsoft "PE Format": MS-DOS stub, signature,
/// COFF file header, section table). Only what unwrapping a kernel needs is read; every offset and size is
/// checked against the file before it is used, so a hostile header fails with a typed error and never reads
/// outside the file.
/// </summary>
public sealed class PeSectionTable
{
    /// <summary><c>e_lfanew</c> at 0x3C of the MS-DOS header: the file offset of the PE signature.</summary>
    public const int PeOffsetField = 0x3C;
    /// <summary>COFF file header after the 4-byte signature: 20 bytes.</summary>
    public const int CoffHeaderSize = 20;
    /// <summary>
    /// Most sections accepted. The PE format says the Windows loader limits NumberOfSections to 96; a UKI has
    /// a dozen at most, so more is a damaged or hostile header, refused before the table is read.
    /// </summary>
    public const int MaxSections = 96;

    private PeSectionTable(ushort machine, uint peOffset, IReadOnlyList<PeSection> sections)
    {
        Machine = machine;
        PeOffset = peOffset;
        Sections = sections;
    }

    /// <summary>COFF <c>Machine</c> at 0 of the file header (0x8664 x64, 0xAA64 arm64, 0x5064 riscv64).</summary>
    public ushort Machine { get; }
    /// <summary>Where the "PE\0\0" signature is (the MS-DOS header's <c>e_lfanew</c>).</summary>
    public uint PeOffset { get; }
    /// <summary>The section table in file order.</summary>
    public IReadOnlyList<PeSection> Sections { get; }

    /// <summary>Whether the bytes start with the MS-DOS "MZ" magic and point at a "PE\0\0" signature inside the file.</summary>
    public static bool IsPe(ReadOnlySpan<byte> file)
    {
        if (file.Length < PeOffsetField + 4 || file[0] != (byte)'M' || file[1] != (byte)'Z')
            return false;
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(file[PeOffsetField..]);
        return offset <= (ulong)file.Length - 4 && file.Slice((int)offset, 4).SequenceEqual("PE\0\0"u8);
    }

    /// <summary>Reads the section table; every section's raw bytes must lie inside the file.</summary>
    /// <param name="file">The whole file (or, with <paramref name="checkRawData"/> false, at least its headers).</param>
    /// <param name="checkRawData">Check each section's bytes against the file's length (off only to read names from a file's head).</param>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidPeImage"/> for a missing signature or a header past the file;
    /// <see cref="LoaderError.PeSectionOutsideFile"/> for a section whose bytes run past it.
    /// </exception>
    public static PeSectionTable Parse(ReadOnlySpan<byte> file, bool checkRawData = true)
    {
        if (!IsPe(file))
            throw new LoaderException(LoaderError.InvalidPeImage, "no MZ magic at 0, or e_lfanew at 0x3c does not point at \"PE\\0\\0\" inside the file (PE Format, MS-DOS stub)");
        var peOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[PeOffsetField..]);
        var coff = (ulong)peOffset + 4;
        if (coff + CoffHeaderSize > (ulong)file.Length)
            throw new LoaderException(LoaderError.InvalidPeImage, $"COFF file header at 0x{coff:x} runs past the end of the {file.Length}-byte file");
        var header = file.Slice((int)coff, CoffHeaderSize);
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(header);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);
        var optionalSize = BinaryPrimitives.ReadUInt16LittleEndian(header[16..]);
        if (count > MaxSections)
            throw new LoaderException(LoaderError.InvalidPeImage, $"NumberOfSections {count} is more than the {MaxSections} the PE format allows");
        var table = coff + CoffHeaderSize + optionalSize;
        var tableEnd = table + (ulong)count * PeSection.Size;
        if (tableEnd > (ulong)file.Length)
            throw new LoaderException(LoaderError.InvalidPeImage,
                $"section table at 0x{table:x} ({count} entries, after a {optionalSize}-byte optional header) runs past the end of the {file.Length}-byte file");

        var sections = new PeSection[count];
        for (var i = 0; i < count; i++)
        {
            var entry = file.Slice((int)(table + (ulong)i * PeSection.Size), PeSection.Size);
            var section = new PeSection(NameOf(entry[..8]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[20..]));
            if (checkRawData && (ulong)section.PointerToRawData + section.SizeOfRawData > (ulong)file.Length)
                throw new LoaderException(LoaderError.PeSectionOutsideFile,
                    $"section {section.Name} at 0x{section.PointerToRawData:x} with SizeOfRawData 0x{section.SizeOfRawData:x} runs past the end of the {file.Length}-byte file");
            sections[i] = section;
        }
        return new PeSectionTable(machine, peOffset, sections);
    }

    /// <summary>The first section called <paramref name="name"/>, or null.</summary>
    public PeSection? Find(string name)
    {
        foreach (var section in Sections)
        {
            if (section.Name == name)
                return section;
        }
        return null;
    }

    /// <summary>The content bytes of <paramref name="section"/> (<see cref="PeSection.ContentLength"/> of them), checked to be in the file by <see cref="Parse"/>.</summary>
    public static ReadOnlyMemory<byte> Content(ReadOnlyMemory<byte> file, PeSection section) =>
        file.Slice((int)section.PointerToRawData, (int)section.ContentLength);

    /// <summary>The name up to its first NUL; bytes outside printable ASCII become '?' so a hostile name prints on one line.</summary>
    private static string NameOf(ReadOnlySpan<byte> raw)
    {
        var end = raw.IndexOf((byte)0);
        var name = end < 0 ? raw : raw[..end];
        var text = new StringBuilder(name.Length);
        foreach (var b in name)
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        return text.ToString();
    }
}
