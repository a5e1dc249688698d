using Iced.Intel;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers: shifts, rotates and double shifts (SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
/// SHLD, SHRD). A masked count of 0 changes nothing, flags included. Where a flag is undefined the value
/// chosen is the one the count-1 formula gives.
/// </summary>
internal static unsafe class Shifts
{
    private static int Count(X86Cpu c, ref DecodedInstruction d, int operand)
    {
        var k = d.I.GetOpKind(operand);
        var raw = k == OpKind.Register ? c.ReadReg(d.I.GetOpRegister(operand)) : d.I.GetImmediate(operand);
        return (int)(raw & (d.OpSize == 8 ? 0x3FUL : 0x1FUL));
    }

    /// <summary>Operand count for the shift: 1 for the D0/D1 forms (Iced gives them an immediate 1 operand).</summary>
    /// <remarks>
    /// An immediate count is already in <see cref="DecodedInstruction.Imm"/> (an imm8, which masking to the operand size
    /// keeps whole), CL in the register slot of operand 1; only the D0/D1 forms' implicit 1 needs Iced's operands.
    /// </remarks>
    private static int ShiftCount(X86Cpu c, ref DecodedInstruction d)
    {
        var mask = d.OpSize == 8 ? 0x3FUL : 0x1FUL;
        return d.K1 switch
        {
            OperandKind.Immediate => (int)(d.Imm & mask),
            OperandKind.Gpr => (int)((c.R[d.R1] >> d.Sh1) & d.M1 & mask),
            _ => d.I.OpCount < 2 ? 1 : Count(c, ref d, 1),
        };
    }

    private static void Finish(X86Cpu c, ref DecodedInstruction d, ulong r, bool cf, bool of)
    {
        c.WriteOp0(ref d, r);
        c.SetArith(ZspFlags(r, d.OpSize) | (cf ? FlagBits.CF : 0) | (of ? FlagBits.OF : 0));
    }

    public static void Shl(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        if (count == 0)
            return;
        var size = d.OpSize;
        var bits = size * 8;
        var a = c.ReadOp0(ref d);
        var r = count >= 64 ? 0 : (a << count) & Mask(size);
        var cf = count <= bits && ((a >> (bits - count)) & 1) != 0;
        Finish(c, ref d, r, cf, ((r & SignBit(size)) != 0) ^ cf);
    }

    public static void Shr(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        if (count == 0)
            return;
        var size = d.OpSize;
        var a = c.ReadOp0(ref d);
        var r = a >> count;
        var cf = ((a >> (count - 1)) & 1) != 0;
        Finish(c, ref d, r, cf, (a & SignBit(size)) != 0);
    }

    public static void Sar(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        if (count == 0)
            return;
        var size = d.OpSize;
        var a = Arithmetic.SignExtend(c.ReadOp0(ref d), size);
        var r = (ulong)(a >> Math.Min(count, 63)) & Mask(size);
        var cf = ((a >> Math.Min(count - 1, 63)) & 1) != 0;
        Finish(c, ref d, r, cf, false);
    }

    /// <summary>Rotates change only CF and OF.</summary>
    private static void FinishRotate(X86Cpu c, ref DecodedInstruction d, ulong r, bool cf, bool of)
    {
        c.WriteOp0(ref d, r);
        c.SetArith((c.ArithFlags() & ~(FlagBits.CF | FlagBits.OF)) | (cf ? FlagBits.CF : 0) | (of ? FlagBits.OF : 0));
    }

    public static void Rol(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        if (count == 0)
            return;
        var size = d.OpSize;
        var bits = size * 8;
        var a = c.ReadOp0(ref d);
        var n = count % bits;
        var r = n == 0 ? a : ((a << n) | (a >> (bits - n))) & Mask(size);
        var cf = (r & 1) != 0;
        FinishRotate(c, ref d, r, cf, ((r & SignBit(size)) != 0) ^ cf);
    }

    public static void Ror(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        if (count == 0)
            return;
        var size = d.OpSize;
        var bits = size * 8;
        var a = c.ReadOp0(ref d);
        var n = count % bits;
        var r = n == 0 ? a : ((a >> n) | (a << (bits - n))) & Mask(size);
        var msb = (r & SignBit(size)) != 0;
        var next = (r & (SignBit(size) >> 1)) != 0;
        FinishRotate(c, ref d, r, msb, msb ^ next);
    }

    public static void Rcl(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        var size = d.OpSize;
        count %= size * 8 + 1;
        if (count == 0)
            return;
        var a = c.ReadOp0(ref d);
        var cf = c.CF;
        for (var i = 0; i < count; i++)
        {
            var outBit = (a & SignBit(size)) != 0;
            a = ((a << 1) | (cf ? 1UL : 0)) & Mask(size);
            cf = outBit;
        }
        FinishRotate(c, ref d, a, cf, ((a & SignBit(size)) != 0) ^ cf);
    }

    public static void Rcr(X86Cpu c, ref DecodedInstruction d)
    {
        var count = ShiftCount(c, ref d);
        var size = d.OpSize;
        count %= size * 8 + 1;
        if (count == 0)
            return;
        var a = c.ReadOp0(ref d);
        var cf = c.CF;
        for (var i = 0; i < count; i++)
        {
            var outBit = (a & 1) != 0;
            a = (a >> 1) | (cf ? SignBit(size) : 0);
            cf = outBit;
        }
        var msb = (a & SignBit(size)) != 0;
        var next = (a & (SignBit(size) >> 1)) != 0;
        FinishRotate(c, ref d, a, cf, msb ^ next);
    }

    public static void Shld(X86Cpu c, ref DecodedInstruction d)
    {
        var count = Count(c, ref d, 2);
        if (count == 0)
            return;
        var size = d.OpSize;
        var bits = size * 8;
        var a = c.ReadOp0(ref d);
        var b = c.ReadReg(d.I.Op1Register);
        // A 16-bit count above 16 is undefined; treat the pair as a 32-bit shifter like common hardware.
        var wide = size == 2 ? (a << 16) | b | (a << 32) : a;
        ulong r;
        bool cf;
        if (size == 2)
        {
            r = (wide << count >> 16) & 0xFFFF;
            cf = ((wide << (count - 1)) & 0x8000_0000) != 0;
        }
        else
        {
            r = ((a << count) | (b >> (bits - count))) & Mask(size);
            cf = ((a >> (bits - count)) & 1) != 0;
        }
        Finish(c, ref d, r, cf, ((r ^ a) & SignBit(size)) != 0);
    }

    public static void Shrd(X86Cpu c, ref DecodedInstruction d)
    {
        var count = Count(c, ref d, 2);
        if (count == 0)
            return;
        var size = d.OpSize;
        var bits = size * 8;
        var a = c.ReadOp0(ref d);
        var b = c.ReadReg(d.I.Op1Register);
        ulong r;
        bool cf;
        if (size == 2)
        {
            var wide = a | (b << 16) | (a << 32);
            r = (wide >> count) & 0xFFFF;
            cf = ((wide >> (count - 1)) & 1) != 0;
        }
        else
        {
            r = ((a >> count) | (b << (bits - count))) & Mask(size);
            cf = ((a >> (count - 1)) & 1) != 0;
        }
        Finish(c, ref d, r, cf, ((r ^ a) & SignBit(size)) != 0);
    }
}
