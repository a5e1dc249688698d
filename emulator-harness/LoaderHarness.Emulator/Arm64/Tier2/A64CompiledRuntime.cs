using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// What compiled A64 blocks call for the operations whose flags or width rules read more clearly once in C#
/// than as IL. Each is written with the interpreter's own flag and condition functions
/// (<see cref="Arm64Cpu.AddFlags64"/>, <see cref="Arm64Cpu.Holds"/>), so both tiers compute the same bits;
/// with constant arguments the JIT folds their branches away.
/// </summary>
internal static class A64CompiledRuntime
{
    /// <summary>NZCV of ADDS/SUBS (AddWithCarry with carry 0, or x + NOT(y) + 1). Flags come back as a value, not through a reference, so the block's NZCV local is never address-taken and stays in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AddSubNzcv(ulong x, ulong y, bool sub, bool is64)
    {
        if (is64)
        {
            var yy = sub ? ~y : y;
            ulong c = sub ? 1UL : 0;
            return Arm64Cpu.AddFlags64(x, yy, c, x + yy + c);
        }
        uint x32 = (uint)x, y32 = sub ? ~(uint)y : (uint)y, c32 = sub ? 1u : 0;
        return Arm64Cpu.AddFlags32(x32, y32, c32, x32 + y32 + c32);
    }

    /// <summary>ADC, ADCS, SBC, SBCS (<paramref name="op"/> bit 0 subtract): the result, with the carry in from <paramref name="nzcv"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddSubCarry(ulong x, ulong y, int op, bool is64, uint nzcv)
    {
        var carry = (nzcv >> 29) & 1;
        if ((op & 1) != 0)
            y = ~y;
        return is64 ? x + y + carry : (uint)x + (uint)y + carry;
    }

    /// <summary>The NZCV after ADC, ADCS, SBC, SBCS: the S forms' flags (<paramref name="op"/> bit 1), else <paramref name="nzcv"/> unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AddSubCarryNzcv(ulong x, ulong y, int op, bool is64, uint nzcv)
    {
        if ((op & 2) == 0)
            return nzcv;
        var carry = (nzcv >> 29) & 1;
        if ((op & 1) != 0)
            y = ~y;
        if (is64)
            return Arm64Cpu.AddFlags64(x, y, carry, x + y + carry);
        return Arm64Cpu.AddFlags32((uint)x, (uint)y, carry, (uint)x + (uint)y + carry);
    }

    /// <summary>CCMP/CCMN: the flags of the comparison when the condition holds, else the instruction's nzcv.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ConditionalCompare(ulong x, ulong y, int cond, uint nzcvImm, bool sub, bool is64, uint nzcv)
    {
        if (!Arm64Cpu.Holds(nzcv, cond))
            return nzcvImm << 28;
        return AddSubNzcv(x, y, sub, is64);
    }

    /// <summary>CSEL, CSINC, CSINV, CSNEG (<paramref name="variant"/> bit 1 invert, bit 0 increment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ConditionalSelect(ulong n, ulong m, int cond, int variant, bool is64, uint nzcv)
    {
        ulong r;
        if (Arm64Cpu.Holds(nzcv, cond))
            r = n;
        else
        {
            r = m;
            if ((variant & 2) != 0)
                r = ~r;
            if ((variant & 1) != 0)
                r++;
        }
        return is64 ? r : (uint)r;
    }

    /// <summary>SMULH: the high 64 bits of the signed 128-bit product.</summary>
    public static ulong Smulh(ulong x, ulong y) => (ulong)Math.BigMul((long)x, (long)y, out _);

    /// <summary>UMULH: the high 64 bits of the unsigned 128-bit product.</summary>
    public static ulong Umulh(ulong x, ulong y) => Math.BigMul(x, y, out _);
}
