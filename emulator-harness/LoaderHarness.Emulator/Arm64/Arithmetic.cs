using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// ADD/SUB (immediate, shifted register, extended register, with carry), conditional compare and
/// conditional select. Fields: <c>Rd</c>, <c>Rn</c>, <c>Rm</c>; shifted: <c>Op</c> = shift type,
/// <c>Size</c> = amount; extended: <c>Op</c> = option, <c>Size</c> = left shift.
/// </summary>
internal static unsafe class Arithmetic
{
    public static void AddImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Add(c, c.R[d.Rn], d.Imm, d.Is64, false);

    public static void SubImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Sub(c, c.R[d.Rn], d.Imm, d.Is64, false);

    public static void AddsImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Add(c, c.R[d.Rn], d.Imm, d.Is64, true);

    public static void SubsImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Sub(c, c.R[d.Rn], d.Imm, d.Is64, true);

    public static void AddShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Add(c, c.R[d.Rn], ShiftedOperand(c, ref d), d.Is64, false);

    public static void SubShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Sub(c, c.R[d.Rn], ShiftedOperand(c, ref d), d.Is64, false);

    public static void AddsShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Add(c, c.R[d.Rn], ShiftedOperand(c, ref d), d.Is64, true);

    public static void SubsShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Sub(c, c.R[d.Rn], ShiftedOperand(c, ref d), d.Is64, true);

    public static void AddExtended(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Add(c, c.R[d.Rn], ExtendedOperand(c, ref d), d.Is64, false);

    public static void SubExtended(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Sub(c, c.R[d.Rn], ExtendedOperand(c, ref d), d.Is64, false);

    public static void AddsExtended(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Add(c, c.R[d.Rn], ExtendedOperand(c, ref d), d.Is64, true);

    public static void SubsExtended(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Sub(c, c.R[d.Rn], ExtendedOperand(c, ref d), d.Is64, true);

    /// <summary>ADC, ADCS, SBC, SBCS: <c>Op</c> bit 0 = subtract, bit 1 = set flags.</summary>
    public static void AddSubCarry(Arm64Cpu c, ref A64Instruction d)
    {
        var y = c.R[d.Rm];
        if ((d.Op & 1) != 0)
            y = ~y;
        var setFlags = (d.Op & 2) != 0;
        c.R[d.Rd] = d.Is64
            ? c.AddWithCarry64(c.R[d.Rn], y, c.Carry, setFlags)
            : c.AddWithCarry32((uint)c.R[d.Rn], (uint)y, c.Carry, setFlags);
    }

    /// <summary>CCMN/CCMP: <c>Op</c> = condition, <c>Imm2</c> = NZCV if it fails, <c>Ra</c> = 1 for CCMP, <c>Size</c> = 1 when the operand is <c>Imm</c>.</summary>
    public static void ConditionalCompare(Arm64Cpu c, ref A64Instruction d)
    {
        if (!c.ConditionHolds(d.Op))
        {
            c.Nzcv = (uint)d.Imm2 << 28;
            return;
        }
        var y = d.Size != 0 ? d.Imm : c.R[d.Rm];
        if (d.Ra != 0)
            Sub(c, c.R[d.Rn], y, d.Is64, true);
        else
            Add(c, c.R[d.Rn], y, d.Is64, true);
    }

    /// <summary>CSEL, CSINC, CSINV, CSNEG: <c>Op</c> = condition, <c>Ra</c> = variant (bit 1 invert, bit 0 increment).</summary>
    public static void ConditionalSelect(Arm64Cpu c, ref A64Instruction d)
    {
        ulong r;
        if (c.ConditionHolds(d.Op))
            r = c.R[d.Rn];
        else
        {
            r = c.R[d.Rm];
            if ((d.Ra & 2) != 0)
                r = ~r;
            if ((d.Ra & 1) != 0)
                r++;
        }
        c.R[d.Rd] = d.Is64 ? r : (uint)r;
    }

    private static ulong Add(Arm64Cpu c, ulong x, ulong y, bool is64, bool setFlags) =>
        is64 ? c.AddWithCarry64(x, y, 0, setFlags) : c.AddWithCarry32((uint)x, (uint)y, 0, setFlags);

    private static ulong Sub(Arm64Cpu c, ulong x, ulong y, bool is64, bool setFlags) =>
        is64 ? c.AddWithCarry64(x, ~y, 1, setFlags) : c.AddWithCarry32((uint)x, ~(uint)y, 1, setFlags);

    /// <summary>Rm shifted by LSL/LSR/ASR/ROR (Op) by Size bits, in the operation's width.</summary>
    internal static ulong ShiftedOperand(Arm64Cpu c, ref A64Instruction d) => Shift(c.R[d.Rm], d.Op, d.Size, d.Is64);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Shift(ulong value, int type, int amount, bool is64)
    {
        if (is64)
        {
            return type switch
            {
                0 => value << amount,
                1 => value >> amount,
                2 => (ulong)((long)value >> amount),
                _ => (value >> amount) | (value << (64 - amount)),
            };
        }
        var v = (uint)value;
        return type switch
        {
            0 => v << amount,
            1 => v >> amount,
            2 => (uint)((int)v >> amount),
            _ => (v >> amount) | (v << (32 - amount)),
        };
    }

    /// <summary>Rm extended by UXTB..SXTX (Op) and shifted left by Size (ExtendReg).</summary>
    private static ulong ExtendedOperand(Arm64Cpu c, ref A64Instruction d) => Extend(c.R[d.Rm], d.Op, d.Size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Extend(ulong value, int option, int shift)
    {
        var extended = option switch
        {
            0 => (byte)value,
            1 => (ushort)value,
            2 => (uint)value,
            3 => value,
            4 => (ulong)(sbyte)value,
            5 => (ulong)(short)value,
            6 => (ulong)(int)value,
            _ => value,
        };
        return extended << shift;
    }
}
