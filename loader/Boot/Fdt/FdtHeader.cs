using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// <c>struct fdt_header</c>: the 40-byte big-endian header at the start of a flattened device tree
/// (Devicetree Specification v0.4, §5.2).
/// </summary>
/// <param name="Magic"><c>magic</c> at 0x00: <see cref="FdtMagic"/>.</param>
/// <param name="TotalSize"><c>totalsize</c> at 0x04: size of the whole blob, free space included.</param>
/// <param name="OffDtStruct"><c>off_dt_struct</c> at 0x08: offset of the structure block.</param>
/// <param name="OffDtStrings"><c>off_dt_strings</c> at 0x0C: offset of the strings block.</param>
/// <param name="OffMemRsvmap"><c>off_mem_rsvmap</c> at 0x10: offset of the memory reservation block.</param>
/// <param name="Version"><c>version</c> at 0x14: 17 for blobs we write.</param>
/// <param name="LastCompVersion"><c>last_comp_version</c> at 0x18: 16 for version 17.</param>
/// <param name="BootCpuidPhys"><c>boot_cpuid_phys</c> at 0x1C: <c>reg</c> of the boot CPU's node.</param>
/// <param name="SizeDtStrings"><c>size_dt_strings</c> at 0x20: length of the strings block.</param>
/// <param name="SizeDtStruct"><c>size_dt_struct</c> at 0x24: length of the structure block.</param>
public readonly record struct FdtHeader(
    uint Magic,
    uint TotalSize,
    uint OffDtStruct,
    uint OffDtStrings,
    uint OffMemRsvmap,
    uint Version,
    uint LastCompVersion,
    uint BootCpuidPhys,
    uint SizeDtStrings,
    uint SizeDtStruct)
{
    /// <summary>Size of the header in bytes (§5.2: ten 32-bit fields).</summary>
    public const int Size = 40;

    /// <summary>The value of <c>magic</c> (§5.2).</summary>
    public const uint FdtMagic = 0xD00DFEED;

    /// <summary>The version we write: 17 (§5.2 "shall be 17").</summary>
    public const uint CurrentVersion = 17;

    /// <summary>The oldest version a version-17 blob is compatible with: 16 (§5.2).</summary>
    public const uint CurrentLastCompVersion = 16;

    internal const int MagicOffset = 0x00;
    internal const int TotalSizeOffset = 0x04;
    internal const int OffDtStructOffset = 0x08;
    internal const int OffDtStringsOffset = 0x0C;
    internal const int OffMemRsvmapOffset = 0x10;
    internal const int VersionOffset = 0x14;
    internal const int LastCompVersionOffset = 0x18;
    internal const int BootCpuidPhysOffset = 0x1C;
    internal const int SizeDtStringsOffset = 0x20;
    internal const int SizeDtStructOffset = 0x24;

    /// <summary>
    /// Reads the header fields. Checks only that the buffer holds a header and that the magic matches;
    /// <see cref="FdtReader"/> validates the offsets against the blob.
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidDeviceTree"/> when shorter than 40 bytes,
    /// <see cref="LoaderError.InvalidMagic"/> when <c>magic</c> is not 0xd00dfeed.
    /// </exception>
    public static FdtHeader Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Size)
        {
            throw new LoaderException(LoaderError.InvalidDeviceTree,
                $"FDT is {blob.Length} bytes, shorter than the {Size}-byte fdt_header (DT spec v0.4 §5.2)");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(blob[MagicOffset..]);
        if (magic != FdtMagic)
        {
            throw new LoaderException(LoaderError.InvalidMagic,
                $"FDT magic at 0x00 is 0x{magic:x}, expected 0x{FdtMagic:x} (DT spec v0.4 §5.2)");
        }

        return new FdtHeader(
            magic,
            BinaryPrimitives.ReadUInt32BigEndian(blob[TotalSizeOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[OffDtStructOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[OffDtStringsOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[OffMemRsvmapOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[VersionOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[LastCompVersionOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[BootCpuidPhysOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[SizeDtStringsOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(blob[SizeDtStructOffset..]));
    }

    /// <summary>Writes the ten fields big-endian into the first 40 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[MagicOffset..], Magic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[TotalSizeOffset..], TotalSize);
        BinaryPrimitives.WriteUInt32BigEndian(destination[OffDtStructOffset..], OffDtStruct);
        BinaryPrimitives.WriteUInt32BigEndian(destination[OffDtStringsOffset..], OffDtStrings);
        BinaryPrimitives.WriteUInt32BigEndian(destination[OffMemRsvmapOffset..], OffMemRsvmap);
        BinaryPrimitives.WriteUInt32BigEndian(destination[VersionOffset..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(destination[LastCompVersionOffset..], LastCompVersion);
        BinaryPrimitives.WriteUInt32BigEndian(destination[BootCpuidPhysOffset..], BootCpuidPhys);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SizeDtStringsOffset..], SizeDtStrings);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SizeDtStructOffset..], SizeDtStruct);
    }
}
