namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Turns an A64 word into an <see cref="A64Instruction"/>. Capstone decides whether the word is an
/// instruction at all (an encoding it rejects stops the run as undefined); the decode table
/// (<c>A64Decoder.Table.cs</c>, one <see cref="A64Encoding"/> row per encoding the engine executes) then
/// selects the handler and extracts the operands, because Capstone 4's operand details fold aliases
/// together (ARM64_INS_MOV covers ORR, ADD and MOVZ) and lack the exact fields the handlers need. A word
/// no row accepts is a valid instruction the engine does not implement.
/// </summary>
/// <remarks>
/// Rows are indexed once, by bits [31:21] (the encoding class, sf/opc and most opcode bits): each of the
/// 2048 buckets holds the rows that can match a word with those bits, most specific first (most fixed
/// bits; table order among equals), so a carve-out such as WFI wins over the NOP-compatible hint space.
/// A lookup compares a handful of rows. The operand shapes are split over files by encoding group.
/// </remarks>
internal static unsafe partial class A64Decoder
{
    private const int IndexShift = 21;
    private const uint IndexBits = ~0u << IndexShift;

    /// <summary>Every row, bucket after bucket; a row appears in every bucket it can match.</summary>
    private static readonly A64Encoding[] Indexed;

    /// <summary>Bucket b's rows are <c>Indexed[BucketStart[b]..BucketStart[b + 1]]</c>.</summary>
    private static readonly int[] BucketStart;

    static A64Decoder()
    {
        var rows = Table();
        var order = new int[rows.Length];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        // Stable: most fixed bits first, table order among rows equally specific.
        Array.Sort(order, (a, b) => rows[a].FixedBits != rows[b].FixedBits ? rows[b].FixedBits - rows[a].FixedBits : a - b);

        var buckets = 1 << (32 - IndexShift);
        var indexed = new List<A64Encoding>();
        BucketStart = new int[buckets + 1];
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            BucketStart[bucket] = indexed.Count;
            var high = (uint)bucket << IndexShift;
            foreach (var i in order)
            {
                if ((high & rows[i].Mask & IndexBits) == (rows[i].Value & IndexBits))
                    indexed.Add(rows[i]);
            }
        }
        BucketStart[buckets] = indexed.Count;
        Indexed = [.. indexed];
    }

    /// <summary>The table's rows in table order (for tests and diagnostics).</summary>
    internal static A64Encoding[] Rows() => Table();

    /// <summary>The most rows any one bucket holds: the longest scan a lookup can make.</summary>
    internal static int LargestBucket()
    {
        var largest = 0;
        for (var bucket = 0; bucket + 1 < BucketStart.Length; bucket++)
            largest = Math.Max(largest, BucketStart[bucket + 1] - BucketStart[bucket]);
        return largest;
    }

    /// <summary>
    /// LDTR/LDTRB/LDTRH/LDTRSB/LDTRSH/LDTRSW (and STTR*) with Rt = Rn: Capstone 4 refuses these, applying the
    /// pre/post-index writeback rule to a form that has no writeback (Arm ARM DDI 0487 C6.2 LDTR: no Rt/Rn
    /// constraint). Linux 6.12's uaccess helpers emit <c>ldtr x0, [x0]</c> (strnlen_user); the table still
    /// decides whether the encoding is allocated.
    /// </summary>
    private static bool IsUnprivilegedLoadWithRtIsRn(uint word) =>
        (word & 0x3F20_0C00) == 0x3800_0800 && (word & 0x1F) == ((word >> 5) & 0x1F);

    /// <summary>
    /// Capstone's verdict on whether a word is an allocated encoding, by word: a lock-free direct-mapped cache (the word in
    /// the high half, bit 1 filled, bit 0 the verdict; 64-bit reads and writes are atomic, so a racing thread sees an entry
    /// whole or not at all) in front of <see cref="CapstoneA64"/>'s locked dictionary, whose lookups were 2.9 % of the
    /// native arm64 boot to /init (330 K decodes).
    /// </summary>
    private static readonly ulong[] Allocated = new ulong[1 << 16];

    private static bool IsAllocated(uint word)
    {
        ref var entry = ref Allocated[(int)((word * 0x9E37_79B1u) >> 16)];
        var known = Volatile.Read(ref entry);
        if ((uint)(known >> 32) == word && (known & 2) != 0)
            return (known & 1) != 0;
        var allocated = CapstoneA64.Describe(word) is not null;
        Volatile.Write(ref entry, (ulong)word << 32 | 2 | (allocated ? 1UL : 0));
        return allocated;
    }

    /// <summary>Decodes <paramref name="word"/> into <paramref name="d"/> (which is reset first).</summary>
    public static void Decode(uint word, ref A64Instruction d)
    {
        if (!IsAllocated(word) && !(IsUnprivilegedLoadWithRtIsRn(word) && TryDecode(word, ref d)))
        {
            d = default;
            d.Word = word;
            d.Handler = &SystemInstructions.Undefined;
            return;
        }
        if (!TryDecode(word, ref d))
            d.Handler = &SystemInstructions.Unimplemented;
    }

    /// <summary>
    /// The table stage of <see cref="Decode"/> without Capstone's verdict: false (and <paramref name="d"/>
    /// holding only the word) when no row accepts <paramref name="word"/>.
    /// </summary>
    internal static bool TryDecode(uint word, ref A64Instruction d) => Match(word, ref d) is not null;

    /// <summary>The row that decodes <paramref name="word"/> into <paramref name="d"/>, or null.</summary>
    internal static string? Match(uint word, ref A64Instruction d)
    {
        var bucket = (int)(word >> IndexShift);
        var indexed = Indexed;
        for (int i = BucketStart[bucket], end = BucketStart[bucket + 1]; i < end; i++)
        {
            ref readonly var row = ref indexed[i];
            if ((word & row.Mask) != row.Value)
                continue;
            d = default;
            d.Word = word;
            if (row.Operands(word, ref d))
            {
                d.Handler = row.Handler;
                return row.Name;
            }
        }
        d = default;
        d.Word = word;
        return null;
    }

    /// <summary>A register read where 31 is XZR.</summary>
    private static byte ReadZr(uint field) => (byte)(field & 31);

    /// <summary>A register written where 31 is XZR (the write is discarded).</summary>
    private static byte WriteZr(uint field) => (field & 31) == 31 ? (byte)Arm64Cpu.Discard : (byte)(field & 31);

    /// <summary>A register read or written where 31 is SP.</summary>
    private static byte OrSp(uint field) => (field & 31) == 31 ? (byte)Arm64Cpu.Sp : (byte)(field & 31);

    /// <summary>Sign-extends the low <paramref name="bits"/> bits of <paramref name="value"/>.</summary>
    internal static ulong SignExtend(ulong value, int bits) => (ulong)((long)(value << (64 - bits)) >> (64 - bits));

    /// <summary>
    /// DecodeBitMasks (Arm ARM shared pseudocode, aarch64/instrs/integer/bitmasks): the wmask and tmask of
    /// a logical immediate or bitfield. False for the reserved encodings.
    /// </summary>
    internal static bool DecodeBitMasks(uint n, uint imms, uint immr, bool immediate, int width, out ulong wmask, out ulong tmask)
    {
        wmask = tmask = 0;
        var combined = (n << 6) | (~imms & 0x3F);
        if (combined == 0)
            return false;
        var len = 31 - int.LeadingZeroCount((int)combined);
        if (len < 1 || (1 << len) > width)
            return false;
        var levels = (uint)((1 << len) - 1);
        if (immediate && (imms & levels) == levels)
            return false;
        var s = (int)(imms & levels);
        var r = (int)(immr & levels);
        var esize = 1 << len;
        var diff = (s - r) & (esize - 1);
        var welem = Ones(s + 1);
        var telem = Ones(diff + 1);
        var elementMask = Ones(esize);
        welem = r == 0 ? welem : ((welem >> r) | (welem << (esize - r))) & elementMask;
        for (var i = 0; i < width; i += esize)
        {
            wmask |= welem << i;
            tmask |= telem << i;
        }
        if (width == 32)
        {
            wmask &= 0xFFFF_FFFF;
            tmask &= 0xFFFF_FFFF;
        }
        return true;
    }

    private static ulong Ones(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
}
