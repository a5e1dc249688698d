using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The code symbols of an arm64 Image, recovered from its own kallsyms tables (Debian ships a placeholder
/// System.map, and CONFIG_KALLSYMS_ALL is off, so only code symbols exist). The tables are found by their
/// structure (scripts/kallsyms.c <c>write_src</c>, up to 6.3): <c>kallsyms_offsets</c> (s32 × n),
/// <c>kallsyms_relative_base</c> (u64), <c>kallsyms_num_syms</c>, <c>kallsyms_names</c>,
/// <c>kallsyms_markers</c> (u32 per 256 names), optionally <c>kallsyms_seqs_of_names</c> (3 bytes × n, 6.2
/// and some 6.1 stable builds), <c>kallsyms_token_table</c> (256 strings) and <c>kallsyms_token_index</c>
/// (u16 × 256). Offsets are relative to <c>kallsyms_relative_base</c>, a relocated pointer that reads as 0
/// in a relocatable Image (arm64 links with <c>--no-apply-dynamic-relocs</c>), so positions are calibrated
/// with the header's <c>b primary_entry</c> (booting.rst: code1) and the link address is taken from the
/// R_AARCH64_RELATIVE entry that fills <c>kallsyms_relative_base</c>.
/// </summary>
public sealed class Arm64KernelSymbols
{
    private const int TokenCount = 256;
    private const int MaxTokenLength = 512;
    /// <summary>R_AARCH64_RELATIVE (ELF for the Arm 64-bit Architecture, §5.7.12).</summary>
    private const ulong RelocationRelative = 0x403;

    private readonly Arm64KernelSymbol[] _byOffset;
    private readonly Dictionary<string, ulong> _byName;

    private Arm64KernelSymbols(Arm64KernelSymbol[] symbols, ulong? linkAddress)
    {
        _byOffset = symbols;
        Array.Sort(_byOffset, (a, b) => a.Offset.CompareTo(b.Offset));
        _byName = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var s in _byOffset)
            _byName.TryAdd(s.Name, s.Offset);
        LinkAddress = linkAddress;
    }

    /// <summary>The virtual address the Image is linked at (its <c>_text</c>), when the relocations say.</summary>
    public ulong? LinkAddress { get; }

    /// <summary>The symbols, by offset.</summary>
    public IReadOnlyList<Arm64KernelSymbol> Symbols => _byOffset;

    /// <summary>The Image offset of <paramref name="name"/>, or null.</summary>
    public ulong? OffsetOf(string name) => _byName.TryGetValue(name, out var offset) ? offset : null;

    /// <summary>The symbol containing Image offset <paramref name="offset"/> and the distance into it, or null below the first.</summary>
    public (Arm64KernelSymbol Symbol, ulong Delta)? Containing(ulong offset)
    {
        int lo = 0, hi = _byOffset.Length - 1, best = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_byOffset[mid].Offset <= offset)
            {
                best = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        return best < 0 ? null : (_byOffset[best], offset - _byOffset[best].Offset);
    }

    /// <summary>"name+0xdelta" for an Image offset, or the hex offset.</summary>
    public string Describe(ulong offset) => Containing(offset) is { } c ? $"{c.Symbol.Name}+0x{c.Delta:x}" : $"0x{offset:x}";

    /// <summary>Recovers the symbols of the arm64 Image <paramref name="image"/>, or null when no kallsyms table is found.</summary>
    public static Arm64KernelSymbols? TryRecover(ReadOnlySpan<byte> image)
    {
        for (var index = 8; index + TokenCount * 2 <= image.Length; index += 8)
        {
            if (!IsTokenIndex(image, index) || FindTokenTable(image, index) is not { } tokenTable)
                continue;
            if (Decode(image, tokenTable, index) is { } symbols)
                return symbols;
        }
        return null;
    }

    /// <summary>kallsyms_token_index: 256 strictly increasing u16 offsets starting at 0.</summary>
    private static bool IsTokenIndex(ReadOnlySpan<byte> s, int at)
    {
        if (U16(s, at) != 0 || U16(s, at + 2) is 0 or > MaxTokenLength)
            return false;
        var previous = 0;
        for (var i = 1; i < TokenCount; i++)
        {
            var v = U16(s, at + 2 * i);
            if (v <= previous || v - previous > MaxTokenLength)
                return false;
            previous = v;
        }
        return true;
    }

    /// <summary>kallsyms_token_table: 256 non-empty strings, each ending where the next starts, padded to the index.</summary>
    private static int? FindTokenTable(ReadOnlySpan<byte> s, int index)
    {
        var last = U16(s, index + 2 * (TokenCount - 1));
        for (var table = index - last - 2; table >= 0 && table > index - last - 2 - MaxTokenLength; table--)
        {
            var ok = true;
            for (var i = 0; i < TokenCount && ok; i++)
            {
                var start = table + U16(s, index + 2 * i);
                var end = i + 1 < TokenCount ? table + U16(s, index + 2 * (i + 1)) - 1 : -1;
                var nul = s[start..index].IndexOf((byte)0);
                ok = nul > 0 && (end < 0 ? index - (start + nul + 1) is >= 0 and < 8 : start + nul == end);
            }
            if (ok)
                return table;
        }
        return null;
    }

    private static Arm64KernelSymbols? Decode(ReadOnlySpan<byte> s, int tokenTable, int tokenIndex)
    {
        var tokens = new string[TokenCount];
        for (var i = 0; i < TokenCount; i++)
        {
            var start = tokenTable + U16(s, tokenIndex + 2 * i);
            tokens[i] = Encoding.Latin1.GetString(s[start..(start + s[start..].IndexOf((byte)0))]);
        }
        // kallsyms_markers: 0 then increasing offsets, ending right below the token table or below seqs_of_names.
        for (var markers = (tokenTable - 4) & ~3; markers > 0 && markers > tokenTable - (64 << 20); markers -= 4)
        {
            if (U32(s, markers) != 0)
                continue;
            var count = 1;
            var end = markers + 4;
            for (uint previous = 0; end + 4 <= tokenTable; end += 4, count++)
            {
                var v = U32(s, end);
                if (v <= previous || v - previous > 256 * 4 * MaxTokenLength)
                    break;
                previous = v;
            }
            var gap = tokenTable - end;
            if (count < 2 || !(gap < 8 || (gap > 3 * (count - 1) * 256 && gap <= 3 * count * 256 + 16)))
                continue;
            if (FindNames(s, markers, count, tokens) is { } symbols)
                return symbols;
        }
        return null;
    }

    /// <summary>Finds kallsyms_num_syms below the markers: n names from just above it must end at the markers, each 256th where its marker says.</summary>
    private static Arm64KernelSymbols? FindNames(ReadOnlySpan<byte> s, int markers, int markerCount, string[] tokens)
    {
        for (var numSyms = markers - 4; numSyms >= 8 && numSyms > markers - (64 << 20); numSyms -= 4)
        {
            var count = (int)U32(s, numSyms);
            if (count <= (markerCount - 1) * 256 || count > markerCount * 256)
                continue;
            foreach (var names in new[] { numSyms + 4, (numSyms + 4 + 7) & ~7 })
            {
                if (!NamesFit(s, names, count, markers))
                    continue;
                var relativeBase = numSyms - 8;
                var offsets = relativeBase - 4 * count;
                if (offsets < 0)
                    continue;
                return Build(s, tokens, names, count, offsets, relativeBase);
            }
        }
        return null;
    }

    private static bool NamesFit(ReadOnlySpan<byte> s, int names, int count, int markers)
    {
        var at = names;
        for (var i = 0; i < count; i++)
        {
            if ((i & 0xFF) == 0 && U32(s, markers + 4 * (i >> 8)) != (uint)(at - names))
                return false;
            if (at >= markers)
                return false;
            int length = s[at++];
            if ((length & 0x80) != 0)
                length = (length & 0x7F) | (s[at++] << 7);
            if (length == 0)
                return false;
            at += length;
        }
        return markers - at is >= 0 and < 8;
    }

    private static Arm64KernelSymbols? Build(ReadOnlySpan<byte> s, string[] tokens, int names, int count, int offsets, int relativeBase)
    {
        var symbols = new Arm64KernelSymbol[count];
        var text = new StringBuilder(64);
        var at = names;
        uint previous = 0;
        for (var i = 0; i < count; i++)
        {
            int length = s[at++];
            if ((length & 0x80) != 0)
                length = (length & 0x7F) | (s[at++] << 7);
            text.Clear();
            for (var k = 0; k < length; k++)
                text.Append(tokens[s[at + k]]);
            at += length;
            var relative = U32(s, offsets + 4 * i);
            if (relative < previous)
                return null; // kallsyms_offsets are sorted: this is not the table
            previous = relative;
            var name = text.ToString();
            symbols[i] = new Arm64KernelSymbol(relative, name.Length > 0 ? name[0] : '?', name.Length > 0 ? name[1..] : "");
        }

        // Calibrate: code1 (offset 4) is "b primary_entry" (older kernels: "b stext").
        var code1 = U32(s, 4);
        if ((code1 & 0xFC00_0000) != 0x1400_0000)
            return null;
        var entry = 4 + (long)((int)(code1 << 6) >> 4);
        var named = symbols.FirstOrDefault(x => x.Name is "primary_entry" or "stext");
        if (named.Name is null)
            return null;
        var delta = (ulong)(entry - (long)named.Offset);
        for (var i = 0; i < count; i++)
            symbols[i] = symbols[i] with { Offset = symbols[i].Offset + delta };
        return new Arm64KernelSymbols(symbols, LinkAddressOf(s, relativeBase, delta));
    }

    /// <summary>
    /// The link address of <c>_text</c>: kallsyms_relative_base holds link + <paramref name="delta"/>, written by
    /// an R_AARCH64_RELATIVE entry (r_offset = link + position, r_addend = link + delta) or, in a
    /// non-relocatable Image, in place.
    /// </summary>
    private static ulong? LinkAddressOf(ReadOnlySpan<byte> s, int relativeBase, ulong delta)
    {
        var inPlace = BinaryPrimitives.ReadUInt64LittleEndian(s[relativeBase..]);
        if (inPlace != 0)
            return inPlace - delta;
        for (var at = 8; at + 16 <= s.Length; at += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(s[at..]) != RelocationRelative)
                continue;
            var place = BinaryPrimitives.ReadUInt64LittleEndian(s[(at - 8)..]);
            var addend = BinaryPrimitives.ReadUInt64LittleEndian(s[(at + 8)..]);
            if (place - addend == (ulong)relativeBase - delta && ((place - (ulong)relativeBase) & 0x1F_FFFF) == 0)
                return place - (ulong)relativeBase;
        }
        return null;
    }

    private static int U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
}
