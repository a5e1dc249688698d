using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>
/// Writes kallsyms tables the way scripts/kallsyms.c <c>write_src</c> lays them out (every table
/// <c>.balign 8</c>): 6.1 order offsets, relative_base, num_syms, names, markers, [seqs_of_names],
/// token_table, token_index; or the 6.4+ order with offsets and relative_base last. The token table maps
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
            if (encoded.Length >= 0x80)
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
        if (SeqsOfNames)
        {
            Align(output);
            var order = Enumerable.Range(0, Symbols.Length).OrderBy(i => Symbols[i].Name, StringComparer.Ordinal).ToArray();
            foreach (var i in order)
                output.AddRange([(byte)(i >> 16), (byte)(i >> 8), (byte)i]);
        }
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
            WriteOffsetsAndBase(output);
        Align(output);
        return [.. output];

        byte[] Compress(string name) => Encoding.Latin1.GetBytes(name.Replace("start", "\u0001").Replace("_64", "\u0002"));
    }

    private void WriteOffsetsAndBase(List<byte> output)
    {
        Align(output);
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
        output.AddRange(BitConverter.GetBytes(RelativeBase));
    }

    private static void Align(List<byte> output)
    {
        while (output.Count % 8 != 0)
            output.Add(0);
    }
}
