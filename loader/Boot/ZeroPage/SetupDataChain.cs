using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// A <c>setup_data</c> linked list laid out in one contiguous block: each node is
/// <c>{u64 next; u32 type; u32 len; u8 data[len]}</c> (boot.rst "setup_data"), 8-byte aligned, the
/// last with next = 0.
/// </summary>
public sealed class SetupDataChain
{
    private const int NodeHeaderSize = 16;
    private readonly List<(SetupDataType Type, byte[] Data)> _nodes = [];

    /// <summary>Whether the chain has no nodes.</summary>
    public bool IsEmpty => _nodes.Count == 0;

    /// <summary>Appends a node.</summary>
    public SetupDataChain Add(SetupDataType type, byte[] data)
    {
        _nodes.Add((type, data));
        return this;
    }

    /// <summary>Appends a SETUP_E820_EXT node with the given entries (20 bytes each, as in the zero page).</summary>
    public SetupDataChain AddE820(IReadOnlyList<MemoryMapEntry> entries)
    {
        var data = new byte[entries.Count * BootParamsLayout.E820EntrySize];
        for (var i = 0; i < entries.Count; i++)
            entries[i].WriteE820(data.AsSpan(i * BootParamsLayout.E820EntrySize));
        return Add(SetupDataType.E820Ext, data);
    }

    /// <summary>Bytes the chain occupies when laid out.</summary>
    public ulong Size
    {
        get
        {
            ulong size = 0;
            foreach (var (_, data) in _nodes)
                size = AlignUp(size) + NodeHeaderSize + (ulong)data.Length;
            return size;
        }
    }

    /// <summary>Lays the chain out for guest address <paramref name="address"/> (8-byte aligned).</summary>
    public byte[] Build(ulong address)
    {
        if (address % 8 != 0)
            throw new LoaderException(LoaderError.BootStructureSetup, $"setup_data at 0x{address:x} is not 8-byte aligned");
        var block = new byte[Size];
        ulong offset = 0;
        for (var i = 0; i < _nodes.Count; i++)
        {
            var (type, data) = _nodes[i];
            offset = AlignUp(offset);
            var node = block.AsSpan((int)offset);
            var next = i + 1 < _nodes.Count ? address + AlignUp(offset + NodeHeaderSize + (ulong)data.Length) : 0;
            BinaryPrimitives.WriteUInt64LittleEndian(node, next);
            BinaryPrimitives.WriteUInt32LittleEndian(node[8..], (uint)type);
            BinaryPrimitives.WriteUInt32LittleEndian(node[12..], (uint)data.Length);
            data.CopyTo(node[NodeHeaderSize..]);
            offset += NodeHeaderSize + (ulong)data.Length;
        }
        return block;
    }

    private static ulong AlignUp(ulong value) => (value + 7) & ~7UL;
}
