using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// Parses and validates a flattened device tree (DT spec v0.4 ch. 5). Every offset is checked against
/// the blob before it is followed; any violation throws <see cref="LoaderException"/>:
/// <see cref="LoaderError.InvalidMagic"/> for a wrong magic, <see cref="LoaderError.InvalidDeviceTree"/>
/// for everything else.
/// </summary>
public static class FdtReader
{
    private const int ReserveEntrySize = 16;

    /// <summary>Validates <paramref name="blob"/> and returns its tree (values are copied out).</summary>
    public static FdtTree Read(ReadOnlySpan<byte> blob)
    {
        var header = FdtHeader.Parse(blob);
        CheckVersion(header);
        if (header.TotalSize < FdtHeader.Size || header.TotalSize > (uint)blob.Length)
        {
            throw Invalid($"totalsize 0x{header.TotalSize:x} at 0x04 must be at least {FdtHeader.Size} and at most the 0x{blob.Length:x}-byte buffer (DT spec v0.4 §5.2)");
        }

        var fdt = blob[..(int)header.TotalSize];
        var structure = Block(fdt, "off_dt_struct", header.OffDtStruct, "size_dt_struct", header.SizeDtStruct, 4);
        var strings = Block(fdt, "off_dt_strings", header.OffDtStrings, "size_dt_strings", header.SizeDtStrings, 1);
        var reservations = ReadReservations(fdt, header.OffMemRsvmap);
        var root = ReadStructure(structure, strings, header.OffDtStruct);
        return new FdtTree(header, reservations, root);
    }

    private static void CheckVersion(FdtHeader header)
    {
        // §5.2: version 17 added size_dt_struct, which we rely on; last_comp_version above 17 means the
        // blob is not readable by a version-17 reader.
        if (header.Version < FdtHeader.CurrentVersion || header.LastCompVersion > FdtHeader.CurrentVersion)
        {
            throw Invalid($"version {header.Version} / last_comp_version {header.LastCompVersion} at 0x14/0x18: this reader needs version >= 17 and last_comp_version <= 17 (DT spec v0.4 §5.2)");
        }
    }

    private static ReadOnlySpan<byte> Block(ReadOnlySpan<byte> fdt, string offName, uint offset, string sizeName, uint size, int alignment)
    {
        if (offset < FdtHeader.Size || offset % alignment != 0 || (ulong)offset + size > (ulong)fdt.Length)
        {
            throw Invalid($"{offName} 0x{offset:x} + {sizeName} 0x{size:x} must lie after the header, inside totalsize 0x{fdt.Length:x}, {alignment}-byte aligned (DT spec v0.4 §5.2, §5.4, §5.5)");
        }

        return fdt.Slice((int)offset, (int)size);
    }

    private static List<FdtRegion> ReadReservations(ReadOnlySpan<byte> fdt, uint offset)
    {
        if (offset < FdtHeader.Size || offset % 8 != 0)
        {
            throw Invalid($"off_mem_rsvmap 0x{offset:x} at 0x10 must lie after the header and be 8-byte aligned (DT spec v0.4 §5.3.1)");
        }

        var entries = new List<FdtRegion>();
        for (ulong at = offset; ; at += ReserveEntrySize)
        {
            if (at + ReserveEntrySize > (ulong)fdt.Length)
            {
                throw Invalid($"memory reservation block from 0x{offset:x} runs past totalsize 0x{fdt.Length:x} without its (0, 0) terminator (DT spec v0.4 §5.3.2)");
            }

            ulong address = BinaryPrimitives.ReadUInt64BigEndian(fdt[(int)at..]);
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(fdt[((int)at + 8)..]);
            if (address == 0 && size == 0)
            {
                return entries;
            }

            entries.Add(new FdtRegion(address, size));
        }
    }

    private static FdtNode ReadStructure(ReadOnlySpan<byte> structure, ReadOnlySpan<byte> strings, uint blockOffset)
    {
        var open = new Stack<OpenNode>();
        FdtNode? root = null;
        int pos = 0;
        while (true)
        {
            int tokenAt = pos;
            var token = (FdtToken)ReadU32(structure, ref pos, blockOffset, "token");
            switch (token)
            {
                case FdtToken.BeginNode:
                    string name = ReadCString(structure, pos, $"node name at 0x{blockOffset + pos:x}", out int nameLength);
                    pos = Align4(pos + nameLength + 1);
                    var node = new FdtNode(name);
                    if (open.Count == 0)
                    {
                        if (root is not null || name.Length != 0)
                        {
                            throw Invalid($"FDT_BEGIN_NODE '{name}' at 0x{blockOffset + tokenAt:x}: the structure block holds exactly one root node, named \"\" (DT spec v0.4 §2.2.1, §5.4.2)");
                        }

                        root = node;
                    }
                    else
                    {
                        open.Peek().Node.Add(node);
                        open.Peek().HasChildren = true;
                    }

                    open.Push(new OpenNode(node));
                    break;

                case FdtToken.EndNode:
                    if (open.Count == 0)
                    {
                        throw Invalid($"FDT_END_NODE at 0x{blockOffset + tokenAt:x} without an open node (DT spec v0.4 §5.4.1)");
                    }

                    open.Pop();
                    break;

                case FdtToken.Prop:
                    uint length = ReadU32(structure, ref pos, blockOffset, "FDT_PROP len");
                    uint nameOffset = ReadU32(structure, ref pos, blockOffset, "FDT_PROP nameoff");
                    if (open.Count == 0 || open.Peek().HasChildren)
                    {
                        throw Invalid($"FDT_PROP at 0x{blockOffset + tokenAt:x} outside a node or after a subnode: properties precede subnodes (DT spec v0.4 §5.4.2)");
                    }

                    if (length > (uint)(structure.Length - pos))
                    {
                        throw Invalid($"FDT_PROP at 0x{blockOffset + tokenAt:x}: len 0x{length:x} runs past the structure block (DT spec v0.4 §5.4.1)");
                    }

                    if (nameOffset >= (uint)strings.Length)
                    {
                        throw Invalid($"FDT_PROP at 0x{blockOffset + tokenAt:x}: nameoff 0x{nameOffset:x} is outside the 0x{strings.Length:x}-byte strings block (DT spec v0.4 §5.4.1, §5.5)");
                    }

                    string propertyName = ReadCString(strings, (int)nameOffset, $"property name at strings+0x{nameOffset:x}", out _);
                    open.Peek().Node.Add(new FdtProperty(propertyName, structure.Slice(pos, (int)length).ToArray()));
                    pos = Align4(pos + (int)length);
                    break;

                case FdtToken.Nop:
                    break;

                case FdtToken.End:
                    if (root is null || open.Count != 0)
                    {
                        throw Invalid($"FDT_END at 0x{blockOffset + tokenAt:x} with {open.Count} node(s) unterminated or no root (DT spec v0.4 §5.4.2)");
                    }

                    return root;

                default:
                    throw Invalid($"unknown token 0x{(uint)token:x} at 0x{blockOffset + tokenAt:x} (DT spec v0.4 §5.4.1)");
            }
        }
    }

    private static uint ReadU32(ReadOnlySpan<byte> structure, ref int pos, uint blockOffset, string what)
    {
        if (pos > structure.Length - sizeof(uint))
        {
            throw Invalid($"{what} at 0x{blockOffset + pos:x} runs past the end of the structure block: a node or FDT_END is missing (DT spec v0.4 §5.4.2)");
        }

        uint value = BinaryPrimitives.ReadUInt32BigEndian(structure[pos..]);
        pos += sizeof(uint);
        return value;
    }

    private static string ReadCString(ReadOnlySpan<byte> block, int start, string what, out int length)
    {
        length = start < block.Length ? block[start..].IndexOf((byte)0) : -1;
        if (length < 0)
        {
            throw Invalid($"{what} has no NUL terminator inside its block (DT spec v0.4 §5.4.1, §5.5)");
        }

        return Encoding.UTF8.GetString(block.Slice(start, length));
    }

    private static int Align4(int value) => (value + 3) & ~3;

    private static LoaderException Invalid(string message) => new(LoaderError.InvalidDeviceTree, message);

    private sealed class OpenNode(FdtNode node)
    {
        public FdtNode Node { get; } = node;

        public bool HasChildren { get; set; }
    }
}
