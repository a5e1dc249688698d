using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Elf;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// Recovers a kernel's symbols from its own kallsyms tables inside the vmlinux (CONFIG_KALLSYMS with
/// CONFIG_KALLSYMS_BASE_RELATIVE, as every x86-64 and arm64 distribution kernel has), for kernels shipped
/// without a real System.map. The tables are found by their structure, not by symbol names.
/// <para>
/// Layout (scripts/kallsyms.c <c>write_src</c>, each table <c>.balign 8</c> in .rodata), up to 6.3:
/// <c>kallsyms_offsets</c> (s32 × n), <c>kallsyms_relative_base</c> (u64), <c>kallsyms_num_syms</c> (u32),
/// <c>kallsyms_names</c> (per symbol a length byte — two bytes, 7 bits each, when bit 7 is set — then that
/// many token indices), <c>kallsyms_markers</c> (u32 offset into names of every 256th symbol),
/// <c>kallsyms_seqs_of_names</c> (3 bytes × n, from 6.2 and some 6.1 stable builds),
/// <c>kallsyms_token_table</c> (256 NUL-terminated strings) and <c>kallsyms_token_index</c> (u16 × 256).
/// From 6.4 the offsets and relative base follow the token index instead. The first character of each
/// expanded name is nm's type letter. With CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86-64 SMP) a non-negative
/// offset is an absolute value and a negative one means <c>relative_base − 1 − offset</c>
/// (kernel/kallsyms.c <c>kallsyms_sym_address</c>).
/// </para>
/// </summary>
public static class KallsymsReader
{
    private const int TokenCount = 256;
    /// <summary>KSYM_NAME_LEN in 6.1 (include/linux/kallsyms.h): no token or name is longer.</summary>
    private const int MaxNameLength = 512;
    private const int MaxSymbols = 4 << 20;

    /// <summary>The symbols of the vmlinux ELF <paramref name="vmlinux"/>; <see cref="LoaderError.KallsymsNotFound"/> if it has no usable table.</summary>
    public static SymbolTable Recover(ReadOnlySpan<byte> vmlinux)
    {
        var elf = ElfKernel.Parse(vmlinux);
        foreach (var ph in elf.ProgramHeaders)
        {
            if (ph.Type != ElfProgramHeader.TypeLoad || ph.FileSize == 0)
                continue;
            var segment = vmlinux.Slice((int)ph.Offset, (int)ph.FileSize);
            for (var index = 0; index + TokenCount * 2 <= segment.Length; index += 8)
            {
                if (!IsTokenIndex(segment, index) || !TryFindTokenTable(segment, index, out var tokenTable))
                    continue;
                if (TryDecode(segment, elf, tokenTable, index) is { } table)
                    return table;
            }
        }
        throw new LoaderException(LoaderError.KallsymsNotFound,
            "no kallsyms_token_table/kallsyms_token_index pair with a consistent kallsyms_num_syms/names/markers/offsets set in any PT_LOAD (CONFIG_KALLSYMS off, or not base-relative?)");
    }

    /// <summary>kallsyms_token_index: 256 strictly increasing u16 offsets starting at 0.</summary>
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

    /// <summary>kallsyms_token_table: 8-aligned, every token a non-empty string ending exactly where the next one starts, padded to the index.</summary>
    private static bool TryFindTokenTable(ReadOnlySpan<byte> s, int index, out int table)
    {
        var last = U16(s, index + 2 * (TokenCount - 1));
        for (table = (index - last - 2) & ~7; table >= 0 && table > index - last - 2 - MaxNameLength; table -= 8)
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
                return true;
        }
        return false;
    }

    private static SymbolTable? TryDecode(ReadOnlySpan<byte> s, ElfKernel elf, int tokenTable, int tokenIndex)
    {
        var tokens = new string[TokenCount];
        for (var i = 0; i < TokenCount; i++)
        {
            var start = tokenTable + U16(s, tokenIndex + 2 * i);
            tokens[i] = Encoding.Latin1.GetString(s[start..(start + s[start..].IndexOf((byte)0))]);
        }
        // kallsyms_num_syms sits below the names, the markers and (maybe) seqs_of_names: walk down to it.
        for (var numSyms = tokenTable - 8; numSyms >= 0; numSyms -= 8)
        {
            var count = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(s[numSyms..]), int.MaxValue);
            if (count is 0 or > MaxSymbols)
                continue;
            var markerBytes = AlignUp8(4 * ((count + 255) / 256));
            foreach (var markersEnd in (ReadOnlySpan<int>)[tokenTable, tokenTable - AlignUp8(3 * count)])
            {
                var markers = markersEnd - markerBytes;
                if (markers <= numSyms + 8 || U32(s, markers) != 0 || !NamesFit(s, numSyms + 8, count, markers))
                    continue;
                var names = DecodeNames(s, numSyms + 8, count, tokens);
                var addresses = DecodeAddresses(s, elf, count, numSyms, tokenIndex);
                if (addresses is null)
                    continue;
                var symbols = new KernelSymbol[count];
                for (var i = 0; i < count; i++)
                    symbols[i] = new KernelSymbol(addresses[i], names[i][0], names[i][1..]);
                return new SymbolTable(symbols);
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="count"/> names from <paramref name="names"/> end just below <paramref name="markers"/> and every 256th starts where its marker says.</summary>
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
        return AlignUp8(at) == markers;
    }

    private static string[] DecodeNames(ReadOnlySpan<byte> s, int names, int count, string[] tokens)
    {
        var result = new string[count];
        var text = new StringBuilder(64);
        var at = names;
        for (var i = 0; i < count; i++)
        {
            int length = s[at++];
            if ((length & 0x80) != 0)
                length = (length & 0x7F) | (s[at++] << 7);
            text.Clear();
            foreach (var b in s.Slice(at, length))
                text.Append(tokens[b]);
            at += length;
            result[i] = text.ToString();
        }
        return result;
    }

    /// <summary>
    /// Addresses from kallsyms_offsets + kallsyms_relative_base, tried in the pre-6.4 place (below num_syms)
    /// and then the 6.4+ place (above the token index). The right place yields a relative base inside the
    /// image and addresses sorted as scripts/kallsyms.c sorts them.
    /// </summary>
    private static ulong[]? DecodeAddresses(ReadOnlySpan<byte> s, ElfKernel elf, int count, int numSyms, int tokenIndex)
    {
        var offsetBytes = AlignUp8(4 * count);
        var before = numSyms - 8 - offsetBytes;
        var after = AlignUp8(tokenIndex + 2 * TokenCount);
        foreach (var (offsets, baseAt) in (ReadOnlySpan<(int, int)>)[(before, numSyms - 8), (after, after + offsetBytes)])
        {
            if (offsets < 0 || baseAt + 8 > s.Length)
                continue;
            var relativeBase = BinaryPrimitives.ReadUInt64LittleEndian(s[baseAt..]);
            if (!InsideImage(elf, relativeBase))
                continue;
            var absolutePercpu = false;
            for (var i = 0; i < count && !absolutePercpu; i++)
                absolutePercpu = BinaryPrimitives.ReadInt32LittleEndian(s[(offsets + 4 * i)..]) < 0;
            var addresses = new ulong[count];
            var sorted = true;
            for (var i = 0; i < count && sorted; i++)
            {
                var raw = BinaryPrimitives.ReadInt32LittleEndian(s[(offsets + 4 * i)..]);
                addresses[i] = !absolutePercpu ? relativeBase + (uint)raw
                    : raw >= 0 ? (ulong)raw
                    : relativeBase - 1 - (ulong)(long)raw;
                sorted = i == 0 || addresses[i] >= addresses[i - 1];
            }
            if (sorted)
                return addresses;
        }
        return null;
    }

    private static bool InsideImage(ElfKernel elf, ulong address)
    {
        foreach (var ph in elf.ProgramHeaders)
        {
            if (ph.Type == ElfProgramHeader.TypeLoad && address >= ph.VirtualAddress && address - ph.VirtualAddress < ph.MemorySize)
                return true;
        }
        return false;
    }

    private static int AlignUp8(int value) => (value + 7) & ~7;

    private static int U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
}
