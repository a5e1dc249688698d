using System.Buffers.Binary;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// Finds kallsyms' name tables by their structure, not by symbol names (an Image or a stripped vmlinux has
/// none), and decodes the names. The tables are written by scripts/kallsyms.c <c>write_src</c>, each label
/// <c>.balign 8</c> on 64-bit: <c>kallsyms_num_syms</c> (u32), <c>kallsyms_names</c> (per symbol a length
/// then that many token indices), <c>kallsyms_markers</c> (u32 offset into the names of every 256th symbol),
/// up to 6.3 maybe <c>kallsyms_seqs_of_names</c>, <c>kallsyms_token_table</c> (256 NUL-terminated strings),
/// <c>kallsyms_token_index</c> (u16 offset of each). The first character of an expanded name is nm's type letter
/// (kernel/kallsyms.c <c>kallsyms_get_symbol_type</c>).
/// </summary>
internal static class KallsymsNames
{
    private const int TokenCount = 256;
    /// <summary>KSYM_NAME_LEN (include/linux/kallsyms.h, 512 since 6.1): no token or name is longer.</summary>
    private const int MaxNameLength = 512;
    private const int MaxSymbols = 4 << 20;

    /// <summary>The name tables found at one <c>kallsyms_token_index</c>.</summary>
    internal readonly record struct Found(int NumSyms, int Count, int TokenIndex, KallsymsNameSource Names, int SeqsOfNamesWidth, bool TwoByteLengths, bool OneByteLengths);

    /// <summary>Bytes in <c>kallsyms_token_index</c>: where a scan for it can stop.</summary>
    public const int TokenIndexBytes = TokenCount * 2;

    /// <summary>Whether a <c>kallsyms_token_index</c> at <paramref name="index"/> heads a consistent set of name tables.</summary>
    public static bool TryFindAt(ReadOnlySpan<byte> s, int index, out Found found)
    {
        found = default;
        if (!IsTokenIndex(s, index) || FindTokenTable(s, index) is not { } tokenTable)
            return false;
        var tokens = new byte[TokenCount][];
        for (var i = 0; i < TokenCount; i++)
        {
            var start = tokenTable + U16(s, index + 2 * i);
            tokens[i] = s[start..(start + s[start..].IndexOf((byte)0))].ToArray();
        }
        // kallsyms_num_syms sits below the names, the markers and (6.2–6.3) seqs_of_names: walk down to it.
        for (var numSyms = tokenTable - 8; numSyms >= 0; numSyms -= 8)
        {
            var count = (int)Math.Min(U32(s, numSyms), int.MaxValue);
            if (count is 0 or > MaxSymbols)
                continue;
            var markerBytes = AlignUp8(4 * ((count + 255) / 256));
            // Markers end at the token table, or (6.2-6.3) below seqs_of_names ("kallsyms: Improve the performance of
            // kallsyms_lookup_name()"): 3 bytes per symbol ("kallsyms: Reduce the memory occupied by
            // kallsyms_seqs_of_names[]", 19bd8981dc2e, same release) or the .long its first version wrote.
            foreach (var seqsWidth in (ReadOnlySpan<int>)[0, 3, 4])
            {
                var markers = tokenTable - AlignUp8(seqsWidth * count) - markerBytes;
                if (markers <= numSyms + 8 || U32(s, markers) != 0)
                    continue;
                // 6.1+ lengths are ULEB128 (one byte, or two with bit 7 set); before, always one byte.
                foreach (var uleb in (ReadOnlySpan<bool>)[true, false])
                {
                    if (!NamesFit(s, numSyms + 8, count, markers, uleb, out var twoByte))
                        continue;
                    // The names stay compressed: KallsymsNameSource decodes the few a run asks for.
                    var names = s[(numSyms + 8)..markers];
                    found = new Found(numSyms, count, index, new KallsymsNameSource(names, count, tokens, uleb), seqsWidth, twoByte, !uleb);
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>kallsyms_token_index: 256 strictly increasing u16 offsets starting at 0, no token longer than a name.</summary>
    private static bool IsTokenIndex(ReadOnlySpan<byte> s, int at)
    {
        if (U16(s, at) != 0)
            return false;
        var previous = 0;
        for (var i = 1; i < TokenCount; i++)
        {
            var v = U16(s, at + 2 * i);
            if (v <= previous || v - previous > MaxNameLength)
                return false;
            previous = v;
        }
        return true;
    }

    /// <summary>kallsyms_token_table: 256 non-empty strings, each ending where the next starts, padded to the index.</summary>
    private static int? FindTokenTable(ReadOnlySpan<byte> s, int index)
    {
        var last = U16(s, index + 2 * (TokenCount - 1));
        for (var table = (index - last - 2) & ~7; table >= 0 && table > index - last - 2 - MaxNameLength; table -= 8)
        {
            var ok = true;
            for (var i = 0; i < TokenCount && ok; i++)
            {
                var start = table + U16(s, index + 2 * i);
                var end = i + 1 < TokenCount ? table + U16(s, index + 2 * (i + 1)) - 1 : -1;
                var nul = s[start..index].IndexOf((byte)0);
                ok = nul > 0 && (end < 0 ? AlignUp8(start + nul + 1) == index : start + nul == end);
            }
            if (ok)
                return table;
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="count"/> names from <paramref name="names"/> end just below
    /// <paramref name="markers"/> and every 256th starts where its marker says (kernel/kallsyms.c
    /// <c>get_symbol_offset</c>).
    /// </summary>
    private static bool NamesFit(ReadOnlySpan<byte> s, int names, int count, int markers, bool uleb, out bool twoByte)
    {
        twoByte = false;
        var at = names;
        for (var i = 0; i < count; i++)
        {
            if ((i & 0xFF) == 0 && U32(s, markers + 4 * (i >> 8)) != (uint)(at - names))
                return false;
            if (at >= markers)
                return false;
            var start = at;
            var length = ReadLength(s, ref at, uleb);
            twoByte |= at - start == 2;
            if (length == 0)
                return false;
            at += length;
        }
        return AlignUp8(at) == markers;
    }

    /// <summary>
    /// A name's length: ULEB128 of up to two bytes (scripts/kallsyms.c since 6.1, 73bbb94466fd), or one plain byte
    /// before. The two are ambiguous for 0x80-0xFF, so a table that does not fit as ULEB128 is tried again with single bytes.
    /// </summary>
    private static int ReadLength(ReadOnlySpan<byte> s, ref int at, bool uleb)
    {
        int length = s[at++];
        if (uleb && (length & 0x80) != 0)
            length = (length & 0x7F) | (s[at++] << 7);
        return length;
    }

    internal static int AlignUp8(int value) => (value + 7) & ~7;

    private static int U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
}
