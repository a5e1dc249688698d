using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// Writes a flattened device tree (DT spec v0.4 ch. 5) token by token: open the root with
/// <c>BeginNode("")</c>, add properties before child nodes, close every node, then <see cref="Finish"/>.
/// Property names are stored once in the strings block. Misuse throws
/// <see cref="LoaderException"/> with <see cref="LoaderError.InvalidDeviceTree"/>.
/// </summary>
/// <remarks>
/// Layout of the result: header (40 bytes), memory reservation block at 40 (8-byte aligned, §5.3.1),
/// structure block right after it (4-byte aligned, §5.4), strings block last (§5.5).
/// </remarks>
public sealed class FdtWriter
{
    private readonly MemoryStream _structure = new();
    private readonly MemoryStream _strings = new();
    private readonly Dictionary<string, int> _stringOffsets = new(StringComparer.Ordinal);
    private readonly List<FdtRegion> _reservations = [];
    private readonly Stack<OpenNode> _open = new();
    private bool _rootClosed;
    private bool _finished;

    /// <summary><c>boot_cpuid_phys</c> for the header: the <c>reg</c> of the boot CPU's node (§5.2).</summary>
    public uint BootCpuidPhys { get; set; }

    /// <summary>
    /// Where the memory reservation block starts: 40 (right after the header) unless set; libfdt's fdt_create
    /// puts it at 48 (ALIGN(sizeof(struct fdt_header), sizeof(struct fdt_reserve_entry))). A multiple of 8 (§5.3.1).
    /// </summary>
    public int ReservationMapOffset { get; set; } = FdtHeader.Size;

    /// <summary>
    /// The blob's <c>totalsize</c> at least: the free space libfdt leaves after the strings block of a tree it
    /// opened into a fixed buffer (QEMU's 1 MiB FDT_MAX_SIZE), zero-filled. 0 means packed.
    /// </summary>
    public int MinimumTotalSize { get; set; }

    /// <summary>
    /// Puts <paramref name="names"/> into the strings block first, in this order, as a tree built by another
    /// writer holds them (libfdt appends a name on its first setprop, which need not be the blob's order).
    /// </summary>
    public void PreloadStrings(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            StringOffset(name);
        }
    }

    /// <summary>Opens a node. The first node is the root and must be named "" (§2.2.1).</summary>
    public void BeginNode(string name)
    {
        EnsureNotFinished();
        if (_open.Count == 0)
        {
            if (_rootClosed)
            {
                throw Invalid($"node '{name}' after the root node was closed: a tree has exactly one root (DT spec v0.4 §5.4.2)");
            }

            if (name.Length != 0)
            {
                throw Invalid($"root node named '{name}': the root node has no name (DT spec v0.4 §2.2.1)");
            }
        }
        else
        {
            FdtNames.ValidateNodeName(name);
            var parent = _open.Peek();
            if (!parent.ChildNames.Add(name))
            {
                throw Invalid($"node '{name}' appears twice under one parent: sibling names must be unique (DT spec v0.4 §2.2.1)");
            }
        }

        WriteToken(FdtToken.BeginNode);
        WriteCString(_structure, name);
        PadStructure();
        _open.Push(new OpenNode());
    }

    /// <summary>Closes the innermost open node.</summary>
    public void EndNode()
    {
        EnsureNotFinished();
        if (_open.Count == 0)
        {
            throw Invalid("EndNode without an open node (DT spec v0.4 §5.4.1 FDT_END_NODE)");
        }

        _open.Pop();
        WriteToken(FdtToken.EndNode);
        _rootClosed = _open.Count == 0;
    }

    /// <summary>Adds a property with raw <paramref name="value"/> bytes to the open node.</summary>
    public void Property(string name, ReadOnlySpan<byte> value)
    {
        EnsureNotFinished();
        if (_open.Count == 0)
        {
            throw Invalid($"property '{name}' outside any node (DT spec v0.4 §5.4.2)");
        }

        var node = _open.Peek();
        if (node.ChildNames.Count != 0)
        {
            throw Invalid($"property '{name}' after a child node: properties precede subnodes (DT spec v0.4 §5.4.2)");
        }

        FdtNames.ValidatePropertyName(name);
        if (!node.PropertyNames.Add(name))
        {
            throw Invalid($"property '{name}' appears twice in one node (DT spec v0.4 §2.2.4)");
        }

        WriteToken(FdtToken.Prop);
        WriteU32(_structure, (uint)value.Length);
        WriteU32(_structure, (uint)StringOffset(name));
        _structure.Write(value);
        PadStructure();
    }

    /// <summary>Adds a property with no value, e.g. <c>interrupt-controller</c> (§2.2.4.2 &lt;empty&gt;).</summary>
    public void PropertyEmpty(string name) => Property(name, []);

    /// <summary>Adds a big-endian <c>&lt;u32&gt;</c> property (§2.2.4.2).</summary>
    public void PropertyU32(string name, uint value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        Property(name, bytes);
    }

    /// <summary>Adds a big-endian <c>&lt;u64&gt;</c> property: two cells, high cell first (§2.2.4.2).</summary>
    public void PropertyU64(string name, ulong value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        Property(name, bytes);
    }

    /// <summary>Adds a <c>&lt;prop-encoded-array&gt;</c> of 32-bit cells.</summary>
    public void PropertyU32Array(string name, ReadOnlySpan<uint> cells)
    {
        byte[] bytes = new byte[cells.Length * sizeof(uint)];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * sizeof(uint)), cells[i]);
        }

        Property(name, bytes);
    }

    /// <summary>Adds an array of 64-bit values, each as two cells (e.g. <c>reg</c> with 2/2 cells).</summary>
    public void PropertyU64Array(string name, ReadOnlySpan<ulong> values)
    {
        byte[] bytes = new byte[values.Length * sizeof(ulong)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(i * sizeof(ulong)), values[i]);
        }

        Property(name, bytes);
    }

    /// <summary>Adds a NUL-terminated UTF-8 <c>&lt;string&gt;</c> property (§2.2.4.2).</summary>
    public void PropertyString(string name, string value) => PropertyStringList(name, value);

    /// <summary>Adds a <c>&lt;stringlist&gt;</c>: the strings concatenated, each NUL-terminated (§2.2.4.2).</summary>
    public void PropertyStringList(string name, params ReadOnlySpan<string> values)
    {
        var bytes = new MemoryStream();
        foreach (string value in values)
        {
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                throw Invalid($"property '{name}': a string value holds an interior NUL (DT spec v0.4 §2.2.4.2)");
            }

            WriteCString(bytes, value);
        }

        Property(name, bytes.ToArray());
    }

    /// <summary>Adds an entry to the memory reservation block (§5.3).</summary>
    public void AddMemoryReservation(ulong address, ulong size)
    {
        EnsureNotFinished();
        if (size == 0)
        {
            throw Invalid($"memory reservation at 0x{address:x} has size 0: an entry with size 0 reads as the terminator (DT spec v0.4 §5.3.2)");
        }

        if (address + size - 1 < address)
        {
            throw Invalid($"memory reservation 0x{address:x} + 0x{size:x} wraps past 2^64 (DT spec v0.4 §5.3.2)");
        }

        _reservations.Add(new FdtRegion(address, size));
    }

    /// <summary>Closes the structure block with <c>FDT_END</c> and lays out the blob.</summary>
    public byte[] Finish()
    {
        EnsureNotFinished();
        if (!_rootClosed)
        {
            throw Invalid(_open.Count == 0
                ? "Finish without a root node (DT spec v0.4 §5.4.2)"
                : $"Finish with {_open.Count} node(s) still open (DT spec v0.4 §5.4.2)");
        }

        WriteToken(FdtToken.End);
        _finished = true;

        int rsvmapOffset = ReservationMapOffset; // 40 unless set: already 8-byte aligned as §5.3.1 requires.
        if (rsvmapOffset < FdtHeader.Size || rsvmapOffset % 8 != 0)
        {
            throw Invalid($"memory reservation block at {rsvmapOffset}: it follows the header 8-byte aligned (DT spec v0.4 §5.3.1)");
        }

        int structOffset = checked(rsvmapOffset + ((_reservations.Count + 1) * 16));
        int stringsOffset = checked(structOffset + (int)_structure.Length);
        int totalSize = Math.Max(checked(stringsOffset + (int)_strings.Length), MinimumTotalSize);

        byte[] blob = new byte[totalSize];
        new FdtHeader(
            FdtHeader.FdtMagic, (uint)totalSize, (uint)structOffset, (uint)stringsOffset, (uint)rsvmapOffset,
            FdtHeader.CurrentVersion, FdtHeader.CurrentLastCompVersion, BootCpuidPhys,
            (uint)_strings.Length, (uint)_structure.Length).Write(blob);

        var rsvmap = blob.AsSpan(rsvmapOffset, structOffset - rsvmapOffset);
        for (int i = 0; i < _reservations.Count; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(rsvmap[(i * 16)..], _reservations[i].Address);
            BinaryPrimitives.WriteUInt64BigEndian(rsvmap[((i * 16) + 8)..], _reservations[i].Size);
        }

        _structure.GetBuffer().AsSpan(0, (int)_structure.Length).CopyTo(blob.AsSpan(structOffset));
        _strings.GetBuffer().AsSpan(0, (int)_strings.Length).CopyTo(blob.AsSpan(stringsOffset));
        return blob;
    }

    private int StringOffset(string name)
    {
        if (!_stringOffsets.TryGetValue(name, out int offset))
        {
            offset = (int)_strings.Length;
            WriteCString(_strings, name);
            _stringOffsets.Add(name, offset);
        }

        return offset;
    }

    private void WriteToken(FdtToken token) => WriteU32(_structure, (uint)token);

    private void PadStructure()
    {
        while (_structure.Length % 4 != 0)
        {
            _structure.WriteByte(0);
        }
    }

    private void EnsureNotFinished()
    {
        if (_finished)
        {
            throw Invalid("the writer was already finished");
        }
    }

    private static void WriteU32(MemoryStream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteCString(MemoryStream stream, string value)
    {
        stream.Write(Encoding.UTF8.GetBytes(value));
        stream.WriteByte(0);
    }

    private static LoaderException Invalid(string message) => new(LoaderError.InvalidDeviceTree, message);

    private sealed class OpenNode
    {
        public HashSet<string> PropertyNames { get; } = new(StringComparer.Ordinal);

        public HashSet<string> ChildNames { get; } = new(StringComparer.Ordinal);
    }
}
