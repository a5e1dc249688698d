using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Random valid A64 integer instruction sequences, encoded directly from the Arm ARM (DDI 0487) C4.1
/// encoding tables. Register roles keep every access inside known areas: X0–X25, X29, X30 hold random
/// data; X28 is a fixed data base and X27 a small index (never written); X26 and SP are the only bases
/// that pre-/post-index write back, with offsets small enough to stay inside their areas. Branches only
/// skip forward over the next instruction, so every sequence runs to its end.
/// </summary>
internal static class RandomA64Program
{
    public const int DataBaseRegister = 28;
    public const int IndexRegister = 27;
    public const int WritebackRegister = 26;

    private static readonly int[] DataRegisters = [.. Enumerable.Range(0, 26), 29, 30];

    /// <summary>Generates <paramref name="length"/> instructions.</summary>
    public static uint[] Generate(Random rng, int length)
    {
        var words = new uint[length];
        for (var i = 0; i < length; i++)
            words[i] = Next(rng, canBranch: i < length - 1);
        return words;
    }

    /// <summary>Capstone's listing of <paramref name="words"/> at <paramref name="origin"/>, one per line.</summary>
    public static string Listing(uint[] words, ulong origin) =>
        string.Join("\n", words.Select((w, i) => $"  {origin + (ulong)i * 4:x}: {w:x8}  {CapstoneA64.Describe(w, origin + (ulong)i * 4)}"));

    private static uint Next(Random rng, bool canBranch)
    {
        while (true)
        {
            var kind = rng.Next(canBranch ? 24 : 21);
            var word = kind switch
            {
                0 => AddSubImmediate(rng),
                1 => AddSubShifted(rng),
                2 => AddSubExtended(rng),
                3 => AddSubCarry(rng),
                4 => ConditionalCompare(rng),
                5 => ConditionalSelect(rng),
                6 => LogicalImmediate(rng),
                7 => LogicalShifted(rng),
                8 => MoveWide(rng),
                9 => BitfieldMove(rng),
                10 => Extract(rng),
                11 => TwoSource(rng),
                12 => OneSource(rng),
                13 => ThreeSource(rng),
                14 => PcRelative(rng),
                15 => LoadStoreUnsigned(rng),
                16 => LoadStoreUnscaledOrIndexed(rng),
                17 => LoadStoreRegisterOffset(rng),
                18 => LoadStorePair(rng),
                19 => OrderedOrFlags(rng),
                20 => LoadStoreUnsigned(rng),
                21 => ConditionalBranch(rng),
                22 => CompareBranch(rng),
                _ => TestBranch(rng),
            };
            if (word is { } w)
                return w;
        }
    }

    private static uint Data(Random rng) => (uint)DataRegisters[rng.Next(DataRegisters.Length)];

    /// <summary>A source register: data, the bases and index, or XZR.</summary>
    private static uint Source(Random rng) => rng.Next(10) == 0 ? 31u : rng.Next(8) == 0 ? (uint)rng.Next(26, 29) : Data(rng);

    private static uint Sf(Random rng) => (uint)rng.Next(2) << 31;

    private static uint? AddSubImmediate(Random rng)
    {
        var setFlags = (uint)rng.Next(2);
        // Rn may be SP (31); Rd is data (ADD/SUB would write SP, ADDS/SUBS XZR).
        var rn = rng.Next(6) == 0 ? 31u : Source(rng) & 31;
        var rd = setFlags != 0 && rng.Next(6) == 0 ? 31u : Data(rng);
        return Sf(rng) | ((uint)rng.Next(2) << 30) | (setFlags << 29) | (0b100010u << 23) | ((uint)rng.Next(2) << 22)
            | ((uint)rng.Next(4096) << 10) | (rn << 5) | rd;
    }

    private static uint? AddSubShifted(Random rng)
    {
        var sf = Sf(rng);
        var amount = (uint)rng.Next(sf != 0 ? 64 : 32);
        return sf | ((uint)rng.Next(4) << 29) | (0b01011u << 24) | ((uint)rng.Next(3) << 22) | (Source(rng) << 16)
            | (amount << 10) | (Source(rng) << 5) | Data(rng);
    }

    private static uint? AddSubExtended(Random rng)
    {
        var rn = rng.Next(6) == 0 ? 31u : Data(rng);
        return Sf(rng) | ((uint)rng.Next(4) << 29) | (0b01011u << 24) | (1u << 21) | (Source(rng) << 16)
            | ((uint)rng.Next(8) << 13) | ((uint)rng.Next(5) << 10) | (rn << 5) | Data(rng);
    }

    private static uint? AddSubCarry(Random rng) =>
        Sf(rng) | ((uint)rng.Next(4) << 29) | (0b11010000u << 21) | (Source(rng) << 16) | (Source(rng) << 5) | Data(rng);

    private static uint? ConditionalCompare(Random rng)
    {
        var immediate = (uint)rng.Next(2);
        var rm = immediate != 0 ? (uint)rng.Next(32) : Source(rng);
        return Sf(rng) | ((uint)rng.Next(2) << 30) | (1u << 29) | (0b11010010u << 21) | (rm << 16) | ((uint)rng.Next(16) << 12)
            | (immediate << 11) | (Source(rng) << 5) | (uint)rng.Next(16);
    }

    private static uint? ConditionalSelect(Random rng) =>
        Sf(rng) | ((uint)rng.Next(2) << 30) | (0b11010100u << 21) | (Source(rng) << 16) | ((uint)rng.Next(16) << 12)
        | ((uint)rng.Next(2) << 10) | (Source(rng) << 5) | Data(rng);

    private static uint? LogicalImmediate(Random rng)
    {
        var sf = Sf(rng);
        var n = sf != 0 ? (uint)rng.Next(2) : 0;
        uint immr = (uint)rng.Next(64), imms = (uint)rng.Next(64);
        if (sf == 0)
            immr &= 31;
        if (!A64Decoder.DecodeBitMasks(n, imms, immr, true, sf != 0 ? 64 : 32, out _, out _))
            return null;
        var opc = (uint)rng.Next(4);
        var rd = opc == 3 && rng.Next(6) == 0 ? 31u : Data(rng);
        return sf | (opc << 29) | (0b100100u << 23) | (n << 22) | (immr << 16) | (imms << 10) | (Source(rng) << 5) | rd;
    }

    private static uint? LogicalShifted(Random rng)
    {
        var sf = Sf(rng);
        return sf | ((uint)rng.Next(4) << 29) | (0b01010u << 24) | ((uint)rng.Next(4) << 22) | ((uint)rng.Next(2) << 21)
            | (Source(rng) << 16) | ((uint)rng.Next(sf != 0 ? 64 : 32) << 10) | (Source(rng) << 5) | Data(rng);
    }

    private static uint? MoveWide(Random rng)
    {
        var sf = Sf(rng);
        var opc = new uint[] { 0, 2, 3 }[rng.Next(3)];
        return sf | (opc << 29) | (0b100101u << 23) | ((uint)rng.Next(sf != 0 ? 4 : 2) << 21) | ((uint)rng.Next(0x10000) << 5) | Data(rng);
    }

    private static uint? BitfieldMove(Random rng)
    {
        var sf = Sf(rng);
        var width = sf != 0 ? 64 : 32;
        return sf | ((uint)rng.Next(3) << 29) | (0b100110u << 23) | ((sf >> 31) << 22) | ((uint)rng.Next(width) << 16)
            | ((uint)rng.Next(width) << 10) | (Source(rng) << 5) | Data(rng);
    }

    private static uint? Extract(Random rng)
    {
        var sf = Sf(rng);
        return sf | (0b100111u << 23) | ((sf >> 31) << 22) | (Source(rng) << 16) | ((uint)rng.Next(sf != 0 ? 64 : 32) << 10)
            | (Source(rng) << 5) | Data(rng);
    }

    private static uint? TwoSource(Random rng)
    {
        uint[] opcodes = [2, 3, 8, 9, 10, 11];
        return Sf(rng) | (0b11010110u << 21) | (Source(rng) << 16) | (opcodes[rng.Next(opcodes.Length)] << 10) | (Source(rng) << 5) | Data(rng);
    }

    private static uint? OneSource(Random rng)
    {
        var sf = Sf(rng);
        var opcode = (uint)rng.Next(6);
        if (sf == 0 && opcode == 3)
            opcode = 2;
        return sf | (1u << 30) | (0b11010110u << 21) | (opcode << 10) | (Source(rng) << 5) | Data(rng);
    }

    private static uint? ThreeSource(Random rng)
    {
        var (op31, sf, o0) = rng.Next(5) switch
        {
            0 => (0u, Sf(rng), (uint)rng.Next(2)),
            1 => (1u, 1u << 31, (uint)rng.Next(2)),
            2 => (5u, 1u << 31, (uint)rng.Next(2)),
            3 => (2u, 1u << 31, 0u),
            _ => (6u, 1u << 31, 0u),
        };
        var ra = op31 is 2 or 6 ? 31u : Source(rng);
        return sf | (0b11011u << 24) | (op31 << 21) | (Source(rng) << 16) | (o0 << 15) | (ra << 10) | (Source(rng) << 5) | Data(rng);
    }

    private static uint? PcRelative(Random rng)
    {
        var imm = (uint)rng.Next(1 << 21);
        return ((uint)rng.Next(2) << 31) | ((imm & 3) << 29) | (0b10000u << 24) | ((imm >> 2) << 5) | Data(rng);
    }

    /// <summary>LDR/STR/LDRS* with a scaled unsigned offset from X28 (kept below 4 KiB).</summary>
    private static uint? LoadStoreUnsigned(Random rng)
    {
        var (size, opc) = SizeAndOpc(rng);
        var imm12 = (uint)rng.Next(512 >> (int)size);
        return (size << 30) | (0b111u << 27) | (1u << 24) | (opc << 22) | (imm12 << 10) | (DataBaseRegister << 5) | Target(rng, opc);
    }

    /// <summary>LDUR/STUR from X28, or pre-/post-indexed from X26 or SP.</summary>
    private static uint? LoadStoreUnscaledOrIndexed(Random rng)
    {
        var (size, opc) = SizeAndOpc(rng);
        var variant = new uint[] { 0, 1, 3 }[rng.Next(3)];
        var rn = variant == 0 ? DataBaseRegister : rng.Next(2) == 0 ? WritebackRegister : 31;
        var imm9 = (uint)rng.Next(512);
        var rt = Target(rng, opc);
        if (variant != 0 && rt == rn)
            return null; // writeback with Rt == Rn is CONSTRAINED UNPREDICTABLE
        return (size << 30) | (0b111u << 27) | (opc << 22) | (imm9 << 12) | (variant << 10) | ((uint)rn << 5) | rt;
    }

    /// <summary>[X28, X27 {, extend {#amount}}] with X27 a small non-negative index.</summary>
    private static uint? LoadStoreRegisterOffset(Random rng)
    {
        var (size, opc) = SizeAndOpc(rng);
        var option = new uint[] { 2, 3, 6, 7 }[rng.Next(4)];
        return (size << 30) | (0b111u << 27) | (opc << 22) | (1u << 21) | ((uint)IndexRegister << 16) | (option << 13)
            | ((uint)rng.Next(2) << 12) | (0b10u << 10) | (DataBaseRegister << 5) | Target(rng, opc);
    }

    /// <summary>LDP/STP/LDPSW: signed offset from X28, or pre-/post-indexed from X26 or SP.</summary>
    private static uint? LoadStorePair(Random rng)
    {
        var load = (uint)rng.Next(2);
        var opc = load != 0 ? new uint[] { 0, 1, 2 }[rng.Next(3)] : new uint[] { 0, 2 }[rng.Next(2)];
        var variant = (uint)rng.Next(1, 4);
        var rn = variant == 2 ? DataBaseRegister : rng.Next(2) == 0 ? WritebackRegister : 31;
        var rt = load != 0 ? Data(rng) : Source(rng);
        var rt2 = load != 0 ? Data(rng) : Source(rng);
        if ((load != 0 && rt == rt2) || (variant != 2 && (rt == rn || rt2 == rn)))
            return null; // both CONSTRAINED UNPREDICTABLE
        var imm7 = (uint)rng.Next(128);
        return (opc << 30) | (0b101u << 27) | (variant << 23) | (load << 22) | (imm7 << 15) | (rt2 << 10) | ((uint)rn << 5) | rt;
    }

    /// <summary>LDAR/STLR at [X28], MRS/MSR NZCV.</summary>
    private static uint? OrderedOrFlags(Random rng)
    {
        var size = (uint)rng.Next(4);
        return rng.Next(4) switch
        {
            0 => (size << 30) | (0b001000u << 24) | (1u << 23) | (1u << 22) | (31u << 16) | (1u << 15) | (31u << 10) | (DataBaseRegister << 5) | Data(rng),
            1 => (size << 30) | (0b001000u << 24) | (1u << 23) | (31u << 16) | (1u << 15) | (31u << 10) | (DataBaseRegister << 5) | Source(rng),
            2 => 0xD53B_4200u | Data(rng),
            _ => 0xD51B_4200u | Source(rng),
        };
    }

    private static uint? ConditionalBranch(Random rng) => 0x5400_0000u | (2u << 5) | (uint)rng.Next(16);

    private static uint? CompareBranch(Random rng) => Sf(rng) | (0b011010u << 25) | ((uint)rng.Next(2) << 24) | (2u << 5) | Source(rng);

    private static uint? TestBranch(Random rng)
    {
        var bit = (uint)rng.Next(64);
        return ((bit >> 5) << 31) | (0b011011u << 25) | ((uint)rng.Next(2) << 24) | ((bit & 31) << 19) | (2u << 5) | Source(rng);
    }

    /// <summary>(size, opc) of a valid single-register load or store: STR*, LDR*, LDRS* to X or W.</summary>
    private static (uint Size, uint Opc) SizeAndOpc(Random rng) => rng.Next(9) switch
    {
        0 => ((uint)rng.Next(4), 0u),
        1 or 2 => ((uint)rng.Next(4), 0u),
        3 or 4 => ((uint)rng.Next(4), 1u),
        5 or 6 => ((uint)rng.Next(3), 2u),
        _ => ((uint)rng.Next(2), 3u),
    };

    private static uint Target(Random rng, uint opc) => opc == 0 ? Source(rng) : Data(rng);
}
