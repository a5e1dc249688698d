using System.Buffers.Binary;
using System.Numerics;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// SBFM/BFM/UBFM (<c>Imm</c> = wmask, <c>Imm2</c> = tmask, <c>Size</c> = immr, <c>Op</c> = imms; the
/// Arm ARM's shared bitfield pseudocode), EXTR, variable shifts and the one-source bit operations.
/// </summary>
internal static unsafe class Bitfield
{
    public static void Sbfm(Arm64Cpu c, ref A64Instruction d)
    {
        var src = c.R[d.Rn];
        var bot = Rotate(src, d.Size, d.Is64) & d.Imm;
        var signBit = (src >> d.Op) & 1;
        var top = signBit != 0 ? ulong.MaxValue : 0;
        c.R[d.Rd] = Width((top & ~d.Imm2) | (bot & d.Imm2), d.Is64);
    }

    public static void Bfm(Arm64Cpu c, ref A64Instruction d)
    {
        var dst = c.R[d.Rd == Arm64Cpu.Discard ? Arm64Cpu.Zr : d.Rd];
        var bot = (dst & ~d.Imm) | (Rotate(c.R[d.Rn], d.Size, d.Is64) & d.Imm);
        c.R[d.Rd] = Width((dst & ~d.Imm2) | (bot & d.Imm2), d.Is64);
    }

    public static void Ubfm(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = Rotate(c.R[d.Rn], d.Size, d.Is64) & d.Imm & d.Imm2;

    /// <summary>EXTR: bits [lsb + width - 1 : lsb] of Rn:Rm (<c>Size</c> = lsb).</summary>
    public static void Extr(Arm64Cpu c, ref A64Instruction d)
    {
        ulong n = c.R[d.Rn], m = c.R[d.Rm];
        int lsb = d.Size;
        if (d.Is64)
            c.R[d.Rd] = lsb == 0 ? m : (m >> lsb) | (n << (64 - lsb));
        else
            c.R[d.Rd] = lsb == 0 ? (uint)m : (uint)(((uint)m >> lsb) | ((uint)n << (32 - lsb)));
    }

    /// <summary>LSLV/LSRV/ASRV/RORV (<c>Op</c> = shift type): the amount is Rm modulo the width.</summary>
    public static void ShiftVariable(Arm64Cpu c, ref A64Instruction d)
    {
        var amount = (int)(c.R[d.Rm] & (d.Is64 ? 63UL : 31UL));
        c.R[d.Rd] = amount == 0 ? Width(c.R[d.Rn], d.Is64) : Arithmetic.Shift(c.R[d.Rn], d.Op, amount, d.Is64);
    }

    public static void Rbit(Arm64Cpu c, ref A64Instruction d)
    {
        var v = c.R[d.Rn];
        ulong r = 0;
        var width = d.Is64 ? 64 : 32;
        for (var i = 0; i < width; i++)
            r |= ((v >> i) & 1) << (width - 1 - i);
        c.R[d.Rd] = r;
    }

    public static void Rev16(Arm64Cpu c, ref A64Instruction d)
    {
        var v = c.R[d.Rn];
        var r = ((v & 0x00FF_00FF_00FF_00FFUL) << 8) | ((v >> 8) & 0x00FF_00FF_00FF_00FFUL);
        c.R[d.Rd] = Width(r, d.Is64);
    }

    /// <summary>REV32 (64-bit): reverses the bytes of each word.</summary>
    public static void Rev32(Arm64Cpu c, ref A64Instruction d)
    {
        var v = c.R[d.Rn];
        c.R[d.Rd] = BinaryPrimitives.ReverseEndianness((uint)v) | ((ulong)BinaryPrimitives.ReverseEndianness((uint)(v >> 32)) << 32);
    }

    public static void Rev(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = d.Is64 ? BinaryPrimitives.ReverseEndianness(c.R[d.Rn]) : BinaryPrimitives.ReverseEndianness((uint)c.R[d.Rn]);

    public static void Clz(Arm64Cpu c, ref A64Instruction d) =>
        c.R[d.Rd] = d.Is64 ? (ulong)BitOperations.LeadingZeroCount(c.R[d.Rn]) : (ulong)BitOperations.LeadingZeroCount((uint)c.R[d.Rn]);

    /// <summary>CLS: leading bits equal to the sign bit, not counting the sign bit.</summary>
    public static void Cls(Arm64Cpu c, ref A64Instruction d)
    {
        if (d.Is64)
        {
            var v = (long)c.R[d.Rn];
            c.R[d.Rd] = (ulong)BitOperations.LeadingZeroCount((ulong)(v ^ (v >> 1))) - 1;
        }
        else
        {
            var v = (int)c.R[d.Rn];
            c.R[d.Rd] = (ulong)BitOperations.LeadingZeroCount((uint)(v ^ (v >> 1))) - 1;
        }
    }

    private static ulong Rotate(ulong value, int amount, bool is64)
    {
        if (amount == 0)
            return Width(value, is64);
        return is64 ? BitOperations.RotateRight(value, amount) : BitOperations.RotateRight((uint)value, amount);
    }

    private static ulong Width(ulong value, bool is64) => is64 ? value : (uint)value;
}
