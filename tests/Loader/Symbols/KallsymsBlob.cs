using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>
/// Writes kallsyms tables the way scripts/kallsyms.c <c>write_src</c> lays them out (every table
/// <c>.balign 8</c>): up to 6.3 offsets, relative_base, num_syms, names, markers, [seqs_of_names],
/// token_table, token_index; or the 6.4+ order with offsets, relative_base and seqs_of_names last. Older
/// forms on request: absolute <c>kallsyms_addresses</c> (!KALLSYMS_BASE_RELATIVE), one-byte name lengths
/// (before 6.1), place-relative offsets with no relative_base (7.0+). The token table maps
/// byte 0x01 to "start", 0x02 to "_64" and every other byte to itself (byte 0 to "@@"), so names are
/// compressed a little, as the real tool does.
/// </summary>
public sealed record KallsymsBlob
{
    public required KernelSymbol[] Symbols { get; init; }
    public ulong RelativeBase { get; init; } = 0xFFFF_FFFF_8100_0000;
    public bool AbsolutePercpu { get; init; } = true;
    public bool SeqsOfNames { get; init; } = true;
    public bool Order64 { get; init; }
    /// <summary>kallsyms_addresses: absolute u64 addresses instead of offsets and a base.</summary>
    public bool AbsoluteAddresses { get; init; }
    /// <summary>7.0+ place-relative offsets (target − the entry's own address), no kallsyms_relative_base; needs <see cref="BlobAddress"/>.</summary>
    public bool PlaceRelative { get; init; }
    /// <summary>The address the blob's first byte will have (for <see cref="PlaceRelative"/>).</summary>
    public ulong BlobAddress { get; init; }
    /// <summary>Pre-6.1 names: the length is always one byte, even 0x80 and above.</summary>
    public bool OneByteLengths { get; init; }
    /// <summary>Bytes per kallsyms_seqs_of_names entry (3 since 6.2; 4 in the series' first form).</summary>
    public int SeqsWidth { get; init; } = 3;
    /// <summary>The value written as kallsyms_relative_base (0 as in a relocatable arm64 Image; default <see cref="RelativeBase"/>).</summary>
    public ulong? StoredBase { get; init; }

    /// <summary>Where kallsyms_relative_base landed in the last <see cref="Build"/> (−1 if not written).</summary>
    public int BaseOffset { get; private set; } = -1;

    /// <summary>Leading filler (non-zero, so it cannot look like a table) before the first table.</summary>
    public int Padding { get; init; } = 0x40;

    public byte[] Build()
    {
        var tokens = new string[256];
        for (var i = 0; i < 256; i++)
            tokens[i] = ((char)i).ToString();
        tokens[0] = "@@";
        tokens[1] = "start";
        tokens[2] = "_64";
        var output = new List<byte>(Enumerable.Repeat((byte)0xCC, Padding));
        if (!Order64)
            WriteOffsetsAndBase(output);
        Align(output);
        output.AddRange(BitConverter.GetBytes((uint)Symbols.Length));
        Align(output);
        var names = output.Count;
        var markers = new List<uint>();
        for (var i = 0; i < Symbols.Length; i++)
        {
            if ((i & 0xFF) == 0)
                markers.Add((uint)(output.Count - names));
            var encoded = Compress(Symbols[i].Type + Symbols[i].Name);
            if (encoded.Length >= 0x80 && !OneByteLengths)
            {
                output.Add((byte)(encoded.Length & 0x7F | 0x80));
                output.Add((byte)(encoded.Length >> 7));
            }
            else
            {
                output.Add((byte)encoded.Length);
            }
            output.AddRange(encoded);
        }
        Align(output);
        foreach (var m in markers)
            output.AddRange(BitConverter.GetBytes(m));
        if (SeqsOfNames && !Order64)
            WriteSeqs(output);
        Align(output);
        var indexes = new List<ushort>();
        var tableStart = output.Count;
        foreach (var t in tokens)
        {
            indexes.Add((ushort)(output.Count - tableStart));
            output.AddRange(Encoding.Latin1.GetBytes(t));
            output.Add(0);
        }
        Align(output);
        foreach (var x in indexes)
            output.AddRange(BitConverter.GetBytes(x));
        if (Order64)
        {
            WriteOffsetsAndBase(output);
            if (SeqsOfNames)
                WriteSeqs(output);
        }
        Align(output);
        return [.. output];

        byte[] Compress(string name) => Encoding.Latin1.GetBytes(name.Replace("start", "\u0001").Replace("_64", "\u0002"));
    }

    /// <summary>kallsyms_seqs_of_names: each symbol's index in name order, big-endian.</summary>
    private void WriteSeqs(List<byte> output)
    {
        Align(output);
        var order = Enumerable.Range(0, Symbols.Length).OrderBy(i => Symbols[i].Name, StringComparer.Ordinal).ToArray();
        foreach (var i in order)
        {
            if (SeqsWidth == 4)
                output.Add((byte)(i >> 24));
            output.AddRange([(byte)(i >> 16), (byte)(i >> 8), (byte)i]);
        }
    }

    private void WriteOffsetsAndBase(List<byte> output)
    {
        Align(output);
        if (AbsoluteAddresses)
        {
            foreach (var s in Symbols)
                output.AddRange(BitConverter.GetBytes(s.Address));
            return;
        }
        if (PlaceRelative)
        {
            foreach (var s in Symbols)
                output.AddRange(BitConverter.GetBytes((int)(long)(s.Address - (BlobAddress + (ulong)output.Count))));
            return;
        }
        foreach (var s in Symbols)
        {
            // scripts/kallsyms.c write_src: absolute symbols as themselves, the rest as base − 1 − address.
            var offset = !AbsolutePercpu ? (int)(uint)(s.Address - RelativeBase)
                : s.IsAbsolute ? (int)s.Address
                : (int)(long)(RelativeBase - 1 - s.Address);
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, offset);
            output.AddRange(bytes);
        }
        Align(output);
        BaseOffset = output.Count;
        output.AddRange(BitConverter.GetBytes(StoredBase ?? RelativeBase));
    }

    private static void Align(List<byte> output)
    {
        while (output.Count % 8 != 0)
            output.Add(0);
    }
}
