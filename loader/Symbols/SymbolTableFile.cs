using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// A lazy kallsyms <see cref="SymbolTable"/> as bytes and back, so a table recovered once can be kept on disk:
/// the addresses, the still-compressed names and the 256 expanded tokens, exactly what the table holds in memory.
/// Reading checks every count and length against the bytes it has, so bytes that are not such a table (a
/// truncated or foreign file) give null, never an exception or a table that fails later.
/// </summary>
/// <remarks>
/// Layout, little-endian: "LHSYMTB1", u32 symbol count, u8 flags (bit 0: ULEB128 name lengths), the addresses
/// (u64 each), u32 length + the compressed names, then per token u16 length + its bytes.
/// </remarks>
public static class SymbolTableFile
{
    private static ReadOnlySpan<byte> Magic => "LHSYMTB1"u8;
    private const int TokenCount = 256;
    /// <summary>KSYM_NAME_LEN (include/linux/kallsyms.h, 512 since 6.1): no token is longer.</summary>
    private const int MaxTokenLength = 512;

    /// <summary>The bytes of <paramref name="table"/>, or null when it is not a lazy kallsyms table (a System.map's, or one decoded eagerly).</summary>
    public static byte[]? Write(SymbolTable table)
    {
        if (table.LazyNames is not { } names)
            return null;
        var addresses = table.Addresses;
        var compressed = names.Compressed;
        var size = Magic.Length + 4 + 1 + 8 * addresses.Length + 4 + compressed.Length;
        foreach (var token in names.Tokens)
            size += 2 + token.Length;
        var bytes = new byte[size];
        var s = bytes.AsSpan();
        Magic.CopyTo(s);
        var at = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(s[at..], addresses.Length);
        at += 4;
        s[at++] = (byte)(names.Uleb ? 1 : 0);
        foreach (var address in addresses)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[at..], address);
            at += 8;
        }
        BinaryPrimitives.WriteInt32LittleEndian(s[at..], compressed.Length);
        at += 4;
        compressed.CopyTo(s[at..]);
        at += compressed.Length;
        foreach (var token in names.Tokens)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[at..], (ushort)token.Length);
            at += 2;
            token.CopyTo(s[at..]);
            at += token.Length;
        }
        return bytes;
    }

    /// <summary>The table <see cref="Write"/> wrote into <paramref name="bytes"/>, or null when the bytes are not one.</summary>
    public static SymbolTable? TryRead(ReadOnlySpan<byte> bytes) => Read(bytes, default);

    /// <summary>
    /// As <see cref="TryRead(ReadOnlySpan{byte})"/>, with the compressed names read in place from <paramref name="bytes"/>
    /// (a mapped cache file) rather than copied: the memory must stay as it is for as long as the table is used.
    /// </summary>
    public static SymbolTable? TryReadInPlace(ReadOnlyMemory<byte> bytes) => Read(bytes.Span, bytes);

    /// <summary>Parses <paramref name="bytes"/>; the names are copied, or taken from <paramref name="backing"/> (the same bytes) when it is not empty.</summary>
    private static SymbolTable? Read(ReadOnlySpan<byte> bytes, ReadOnlyMemory<byte> backing)
    {
        if (bytes.Length < Magic.Length + 9 || !bytes.StartsWith(Magic))
            return null;
        var at = Magic.Length;
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
        at += 4;
        var flags = bytes[at++];
        if (count <= 0 || flags > 1 || (long)count * 8 > bytes.Length - at - 4)
            return null;
        var addresses = new ulong[count];
        if (BitConverter.IsLittleEndian)
        {
            bytes.Slice(at, count * 8).CopyTo(MemoryMarshal.AsBytes(addresses.AsSpan()));
            at += count * 8;
        }
        else
        {
            for (var i = 0; i < count; i++, at += 8)
                addresses[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
        }
        var namesLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
        at += 4;
        if (namesLength <= 0 || namesLength > bytes.Length - at)
            return null;
        var compressed = bytes.Slice(at, namesLength);
        var namesAt = at;
        at += namesLength;
        var tokens = new byte[TokenCount][];
        for (var t = 0; t < TokenCount; t++)
        {
            if (bytes.Length - at < 2)
                return null;
            var length = BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);
            at += 2;
            if (length is 0 or > MaxTokenLength || length > bytes.Length - at)
                return null;
            tokens[t] = bytes.Slice(at, length).ToArray();
            at += length;
        }
        var uleb = flags == 1;
        if (at != bytes.Length || !KallsymsNameSource.Fits(compressed, count, uleb))
            return null;
        var names = backing.IsEmpty
            ? new KallsymsNameSource(compressed, count, tokens, uleb)
            : KallsymsNameSource.Over(backing.Slice(namesAt, namesLength), count, tokens, uleb);
        return new SymbolTable(addresses, names);
    }
}
