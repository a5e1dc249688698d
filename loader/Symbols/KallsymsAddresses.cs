using System.Buffers.Binary;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// The address table that goes with a set of kallsyms name tables. scripts/kallsyms.c <c>write_src</c> has put it
/// below <c>kallsyms_num_syms</c> (up to 6.3) or just above <c>kallsyms_token_index</c> (6.4+), as
/// <c>kallsyms_addresses</c> (absolute pointers) or as <c>kallsyms_offsets</c> (s32) followed by
/// <c>kallsyms_relative_base</c>; kernel/kallsyms.c <c>kallsyms_sym_address</c> turns them into addresses. The
/// right candidate is the one whose addresses come out sorted, as <c>write_src</c> emits them, with a base the
/// image can hold.
/// </summary>
internal static class KallsymsAddresses
{
    private const int TokenIndexBytes = 256 * 2;

    /// <summary>One address table candidate: where the values start and how they are stored.</summary>
    internal readonly record struct Candidate(KallsymsOrder Order, KallsymsAddressing Addressing, int At, int BaseAt);

    /// <summary>A decoded table: the link addresses and where <c>kallsyms_relative_base</c> was (−1 if none).</summary>
    internal readonly record struct Decoded(KallsymsOrder Order, KallsymsAddressing Addressing, ulong[] Raw, ulong Base, int BaseAt);

    /// <summary>The candidates, in the order they are tried: the relative forms (every kernel since 6.11) first.</summary>
    public static IEnumerable<Candidate> Candidates(KallsymsNames.Found names)
    {
        var n = names.Count;
        var offsetBytes = KallsymsNames.AlignUp8(4 * n);
        var after = KallsymsNames.AlignUp8(names.TokenIndex + TokenIndexBytes);
        var before = names.NumSyms - 8 - offsetBytes;
        yield return new Candidate(KallsymsOrder.AddressesLast, KallsymsAddressing.Relative, after, after + offsetBytes);
        yield return new Candidate(KallsymsOrder.AddressesFirst, KallsymsAddressing.Relative, before, names.NumSyms - 8);
        yield return new Candidate(KallsymsOrder.AddressesLast, KallsymsAddressing.Absolute, after, -1);
        yield return new Candidate(KallsymsOrder.AddressesFirst, KallsymsAddressing.Absolute, names.NumSyms - 8 * n, -1);
        yield return new Candidate(KallsymsOrder.AddressesLast, KallsymsAddressing.PlaceRelative, after, -1);
    }

    /// <summary>
    /// The candidate's values, or null when they are out of the span or not sorted. For the relative forms the
    /// values are the raw offsets widened (s32 sign-extended when some is negative: absolute per-CPU) and
    /// <see cref="Decoded.Base"/> is the stored base; <see cref="Resolve"/> adds it.
    /// </summary>
    public static Decoded? Read(ReadOnlySpan<byte> s, Candidate c, int count)
    {
        if (c.At < 0)
            return null;
        var raw = new ulong[count];
        if (c.Addressing == KallsymsAddressing.Absolute)
        {
            if (c.At + 8L * count > s.Length)
                return null;
            for (var i = 0; i < count; i++)
            {
                raw[i] = BinaryPrimitives.ReadUInt64LittleEndian(s[(c.At + 8 * i)..]);
                if (i > 0 && raw[i] < raw[i - 1])
                    return null;
            }
            return raw[^1] > raw[0] ? new Decoded(c.Order, c.Addressing, raw, 0, -1) : null;
        }

        if (c.At + 4L * count > s.Length || c.BaseAt + 8L > s.Length)
            return null;
        var percpu = false;
        for (var i = 0; i < count && !percpu; i++)
            percpu = BinaryPrimitives.ReadInt32LittleEndian(s[(c.At + 4 * i)..]) < 0;
        var addressing = percpu ? KallsymsAddressing.RelativeAbsolutePercpu : c.Addressing;
        var place = c.Addressing == KallsymsAddressing.PlaceRelative;
        if (percpu && place)
            percpu = false; // place-relative offsets are signed by nature; absolute per-CPU was gone before them
        var relativeBase = c.BaseAt >= 0 ? BinaryPrimitives.ReadUInt64LittleEndian(s[c.BaseAt..]) : 0;
        for (var i = 0; i < count; i++)
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(s[(c.At + 4 * i)..]);
            if (place)
            {
                // The target's position in the span: where the entry is, plus the entry. Positions ascend.
                raw[i] = (ulong)(c.At + 4L * i + value);
                if (i > 0 && (long)raw[i] < (long)raw[i - 1])
                    return null;
                continue;
            }
            // Sorted by address: unsigned offsets ascend; with absolute per-CPU the absolute (non-negative)
            // values come first, ascending, then the relative ones, whose −1 − offset ascends.
            raw[i] = percpu ? (ulong)(long)value : (uint)value;
            if (i > 0 && Order(raw[i], percpu) < Order(raw[i - 1], percpu))
                return null;
        }
        if (place ? raw[^1] == raw[0] : Order(raw[^1], percpu) == Order(raw[0], percpu))
            return null;
        return new Decoded(c.Order, addressing, raw, relativeBase, c.BaseAt);
    }

    /// <summary>The sort key of a raw value: absolute per-CPU values below every relative one.</summary>
    private static ulong Order(ulong raw, bool percpu) =>
        !percpu ? raw : (long)raw >= 0 ? raw : 0x8000_0000UL + (ulong)(-1 - (long)raw);

    /// <summary>
    /// kernel/kallsyms.c <c>kallsyms_sym_address</c>: <paramref name="relativeBase"/> + u32 offset; with absolute
    /// per-CPU a non-negative value as is and a negative one as <c>relative_base − 1 − value</c>. Place-relative
    /// values are span positions, and <paramref name="relativeBase"/> is the address of the span's first byte.
    /// </summary>
    public static ulong Resolve(in Decoded d, int i, ulong relativeBase) => d.Addressing switch
    {
        KallsymsAddressing.Absolute => d.Raw[i],
        KallsymsAddressing.RelativeAbsolutePercpu => (long)d.Raw[i] >= 0 ? d.Raw[i] : relativeBase - 1 - d.Raw[i],
        _ => relativeBase + d.Raw[i],
    };
}
