using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// What compiled A64 blocks call for the operations whose flags or width rules read more clearly once in C#
/// than as IL (ADC/SBC and their flags, the high multiplies). Each is written with the interpreter's own flag functions
/// (<see cref="Arm64Cpu.AddFlags64"/>), so both tiers compute the same bits;
/// with constant arguments the JIT folds their branches away.
/// </summary>
internal static class A64CompiledRuntime
{
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

    /// <summary>NZCV from a compiled block's lazy flag state (<see cref="A64LazyFlags"/>): the interpreter's own AddWithCarry and logical flag functions on the recorded operands and result; <paramref name="nzcv"/> when nothing is pending. Not inlined: it runs at exits and spills, and its body would cost JIT time in every block.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint Materialize(int kind, ulong x, ulong y, ulong r, uint nzcv) => (A64LazyFlags)kind switch
    {
        A64LazyFlags.Add64 => Arm64Cpu.AddFlags64(x, y, 0, r),
        A64LazyFlags.Add32 => Arm64Cpu.AddFlags32((uint)x, (uint)y, 0, (uint)r),
        A64LazyFlags.Sub64 => Arm64Cpu.AddFlags64(x, ~y, 1, r),
        A64LazyFlags.Sub32 => Arm64Cpu.AddFlags32((uint)x, ~(uint)y, 1, (uint)r),
        A64LazyFlags.Logic64 => Arm64Cpu.LogicalFlags(r, true),
        A64LazyFlags.Logic32 => Arm64Cpu.LogicalFlags(r, false),
        _ => nzcv,
    };

    /// <summary>SMULH: the high 64 bits of the signed 128-bit product.</summary>
    public static ulong Smulh(ulong x, ulong y) => (ulong)Math.BigMul((long)x, (long)y, out _);

    /// <summary>UMULH: the high 64 bits of the unsigned 128-bit product.</summary>
    public static ulong Umulh(ulong x, ulong y) => Math.BigMul(x, y, out _);
}
