using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>NZCV arithmetic and condition codes (Arm ARM shared pseudocode AddWithCarry, ConditionHolds).</summary>
public sealed unsafe partial class Arm64Cpu
{
    private const uint FlagN = 0x8000_0000, FlagZ = 0x4000_0000, FlagC = 0x2000_0000, FlagV = 0x1000_0000;

    /// <summary>64-bit x + y + carry, setting NZCV when <paramref name="setFlags"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong AddWithCarry64(ulong x, ulong y, ulong carry, bool setFlags)
    {
        var r = x + y + carry;
        if (setFlags)
            Nzcv = AddFlags64(x, y, carry, r);
        return r;
    }

    /// <summary>32-bit x + y + carry, setting NZCV when <paramref name="setFlags"/>; the result is zero-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong AddWithCarry32(uint x, uint y, uint carry, bool setFlags)
    {
        var r = x + y + carry;
        if (setFlags)
            Nzcv = AddFlags32(x, y, carry, r);
        return r;
    }

    /// <summary>NZCV of the 64-bit r = x + y + carry (AddWithCarry): shared by the interpreter and compiled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint AddFlags64(ulong x, ulong y, ulong carry, ulong r)
    {
        var c = carry == 0 ? r < x : r <= x;
        var v = ((~(x ^ y) & (x ^ r)) >> 63) != 0;
        return (uint)((r >> 32) & FlagN) | (r == 0 ? FlagZ : 0) | (c ? FlagC : 0) | (v ? FlagV : 0);
    }

    /// <summary>NZCV of the 32-bit r = x + y + carry (AddWithCarry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint AddFlags32(uint x, uint y, uint carry, uint r)
    {
        var c = carry == 0 ? r < x : r <= x;
        var v = ((~(x ^ y) & (x ^ r)) >> 31) != 0;
        return (r & FlagN) | (r == 0 ? FlagZ : 0) | (c ? FlagC : 0) | (v ? FlagV : 0);
    }

    /// <summary>N and Z from a logical result; C and V cleared (ANDS, BICS, TST).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLogicalFlags(ulong result, bool is64) => Nzcv = LogicalFlags(result, is64);

    /// <summary>NZCV of a logical result: N and Z, C and V clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint LogicalFlags(ulong result, bool is64)
    {
        var n = is64 ? (result >> 63) != 0 : ((result >> 31) & 1) != 0;
        var zero = is64 ? result == 0 : (uint)result == 0;
        return (n ? FlagN : 0) | (zero ? FlagZ : 0);
    }

    /// <summary>PSTATE.C as 0 or 1.</summary>
    internal uint Carry => (Nzcv >> 29) & 1;

    /// <summary>Whether condition <paramref name="cond"/> (EQ = 0 ... AL = 14, NV = 15) holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool ConditionHolds(int cond) => Holds(Nzcv, cond);

    /// <summary>Whether condition <paramref name="cond"/> holds for flags <paramref name="f"/> (ConditionHolds), shared with compiled code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Holds(uint f, int cond)
    {
        bool n = (f & FlagN) != 0, z = (f & FlagZ) != 0, c = (f & FlagC) != 0, v = (f & FlagV) != 0;
        var result = (cond >> 1) switch
        {
            0 => z,
            1 => c,
            2 => n,
            3 => v,
            4 => c && !z,
            5 => n == v,
            6 => n == v && !z,
            _ => true,
        };
        return (cond & 1) != 0 && cond != 15 ? !result : result;
    }
}
