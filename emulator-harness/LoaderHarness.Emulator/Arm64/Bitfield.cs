using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// SBFM/BFM/UBFM (<c>Imm</c> = wmask, <c>Imm2</c> = tmask, <c>Size</c> = immr, <c>Op</c> = imms; the
/// Arm ARM's shared bitfield pseudocode), EXTR, variable shifts and the one-source bit operations.
/// </summary>
internal static unsafe class Bitfield
{
    public static void Sbfm(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = SbfmValue(c.R[d.Rn], d.Imm, d.Imm2, d.Size, d.Op, d.Is64);

    public static void Bfm(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = BfmValue(c.R[d.Rd == Arm64Cpu.Discard ? Arm64Cpu.Zr : d.Rd], c.R[d.Rn], d.Imm, d.Imm2, d.Size, d.Is64);

    public static void Ubfm(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = UbfmValue(c.R[d.Rn], d.Imm, d.Imm2, d.Size, d.Is64);

    /// <summary>EXTR: bits [lsb + width - 1 : lsb] of Rn:Rm (<c>Size</c> = lsb).</summary>
    public static void Extr(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = ExtrValue(c.R[d.Rn], c.R[d.Rm], d.Size, d.Is64);

    /// <summary>LSLV/LSRV/ASRV/RORV (<c>Op</c> = shift type): the amount is Rm modulo the width.</summary>
    public static void ShiftVariable(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = ShiftVariableValue(c.R[d.Rn], c.R[d.Rm], d.Op, d.Is64);

    public static void Rbit(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = RbitValue(c.R[d.Rn], d.Is64);

    public static void Rev16(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Rev16Value(c.R[d.Rn], d.Is64);

    /// <summary>REV32 (64-bit): reverses the bytes of each word.</summary>
    public static void Rev32(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Rev32Value(c.R[d.Rn]);

    public static void Rev(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = RevValue(c.R[d.Rn], d.Is64);

    public static void Clz(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = ClzValue(c.R[d.Rn], d.Is64);

    /// <summary>CLS: leading bits equal to the sign bit, not counting the sign bit.</summary>
    public static void Cls(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = ClsValue(c.R[d.Rn], d.Is64);

    // The operations as pure functions of their operands, shared by the handlers above and by compiled code
    // (Arm64.Tier2), so both tiers compute the same bits (Arm ARM C6.2 SBFM, BFM, UBFM, EXTR, ... pseudocode).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SbfmValue(ulong src, ulong wmask, ulong tmask, int immr, int imms, bool is64)
    {
        var bot = Rotate(src, immr, is64) & wmask;
        var top = ((src >> imms) & 1) != 0 ? ulong.MaxValue : 0;
        return Width((top & ~tmask) | (bot & tmask), is64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong BfmValue(ulong dst, ulong src, ulong wmask, ulong tmask, int immr, bool is64)
    {
        var bot = (dst & ~wmask) | (Rotate(src, immr, is64) & wmask);
        return Width((dst & ~tmask) | (bot & tmask), is64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong UbfmValue(ulong src, ulong wmask, ulong tmask, int immr, bool is64) => Rotate(src, immr, is64) & wmask & tmask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ExtrValue(ulong n, ulong m, int lsb, bool is64)
    {
        if (is64)
            return lsb == 0 ? m : (m >> lsb) | (n << (64 - lsb));
        return lsb == 0 ? (uint)m : (uint)(((uint)m >> lsb) | ((uint)n << (32 - lsb)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ShiftVariableValue(ulong n, ulong m, int type, bool is64)
    {
        var amount = (int)(m & (is64 ? 63UL : 31UL));
        return amount == 0 ? Width(n, is64) : Arithmetic.Shift(n, type, amount, is64);
    }

    internal static ulong RbitValue(ulong v, bool is64)
        => is64 ? ReverseBits(v) : ReverseBits(v) >> 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Rev16Value(ulong v, bool is64)
        => Width(((v & 0x00FF_00FF_00FF_00FFUL) << 8) | ((v >> 8) & 0x00FF_00FF_00FF_00FFUL), is64);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Rev32Value(ulong v)
        => BinaryPrimitives.ReverseEndianness((uint)v) | ((ulong)BinaryPrimitives.ReverseEndianness((uint)(v >> 32)) << 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong RevValue(ulong v, bool is64)
        => is64 ? BinaryPrimitives.ReverseEndianness(v) : BinaryPrimitives.ReverseEndianness((uint)v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ClzValue(ulong v, bool is64)
        => is64 ? (ulong)BitOperations.LeadingZeroCount(v) : (ulong)BitOperations.LeadingZeroCount((uint)v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ClsValue(ulong value, bool is64)
    {
        if (is64)
        {
            var v = (long)value;
            return (ulong)BitOperations.LeadingZeroCount((ulong)(v ^ (v >> 1))) - 1;
        }
        var w = (int)value;
        return (ulong)BitOperations.LeadingZeroCount((uint)(w ^ (w >> 1))) - 1;
    }

    /// <summary>The 64 bits of <paramref name="v"/> in reverse order (a 32-bit RBIT is the top half of the 64-bit one of a zero-extended value).</summary>
    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555_5555_5555_5555UL) | ((v & 0x5555_5555_5555_5555UL) << 1);
        v = ((v >> 2) & 0x3333_3333_3333_3333UL) | ((v & 0x3333_3333_3333_3333UL) << 2);
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0FUL) | ((v & 0x0F0F_0F0F_0F0F_0F0FUL) << 4);
        return BinaryPrimitives.ReverseEndianness(v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Rotate(ulong value, int amount, bool is64)
    {
        if (amount == 0)
            return Width(value, is64);
        return is64 ? BitOperations.RotateRight(value, amount) : BitOperations.RotateRight((uint)value, amount);
    }

    private static ulong Width(ulong value, bool is64) => is64 ? value : (uint)value;
}
