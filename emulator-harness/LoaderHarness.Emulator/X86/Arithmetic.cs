using System.Runtime.CompilerServices;
using Iced.Intel;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>Instruction handlers: integer add/subtract/compare, multiply/divide, exchange-and-add and compare-exchange.</summary>
internal static unsafe class Arithmetic
{
    public static void Add(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        ulong a = c.ReadOp0(ref d), b = c.ReadOp1(ref d);
        var r = (a + b) & Mask(size);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Add, a, b, r, size);
    }

    public static void Adc(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        ulong a = c.ReadOp0(ref d), b = c.ReadOp1(ref d);
        ulong carry = c.CF ? 1UL : 0;
        var r = (a + b + carry) & Mask(size);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Adc, a, b, r, size);
        c.FlAux = carry;
    }

    public static void Sub(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        ulong a = c.ReadOp0(ref d), b = c.ReadOp1(ref d);
        var r = (a - b) & Mask(size);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Sub, a, b, r, size);
    }

    public static void Sbb(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        ulong a = c.ReadOp0(ref d), b = c.ReadOp1(ref d);
        ulong borrow = c.CF ? 1UL : 0;
        var r = (a - b - borrow) & Mask(size);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Sbb, a, b, r, size);
        c.FlAux = borrow;
    }

    public static void Cmp(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        ulong a = c.ReadOp0(ref d), b = c.ReadOp1(ref d);
        c.SetLazy(LazyOp.Sub, a, b, (a - b) & Mask(size), size);
    }

    public static void Inc(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var a = c.ReadOp0(ref d);
        var r = (a + 1) & Mask(size);
        c.WriteOp0(ref d, r);
        ulong carry = c.CF ? 1UL : 0;
        c.SetLazy(LazyOp.Inc, a, 1, r, size);
        c.FlAux = carry;
    }

    public static void Dec(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var a = c.ReadOp0(ref d);
        var r = (a - 1) & Mask(size);
        c.WriteOp0(ref d, r);
        ulong carry = c.CF ? 1UL : 0;
        c.SetLazy(LazyOp.Dec, a, 1, r, size);
        c.FlAux = carry;
    }

    public static void Neg(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var b = c.ReadOp0(ref d);
        var r = (0 - b) & Mask(size);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Sub, 0, b, r, size);
    }

    /// <summary>Accumulator register for a width (AL, AX, EAX, RAX).</summary>
    private static Register Accumulator(int size) => size switch
    {
        1 => Register.AL,
        2 => Register.AX,
        4 => Register.EAX,
        _ => Register.RAX,
    };

    /// <summary>Stores a double-width product/quotient pair: AX for bytes, DX:AX, EDX:EAX or RDX:RAX otherwise.</summary>
    private static void WritePair(X86Cpu c, int size, ulong low, ulong high)
    {
        if (size == 1)
        {
            c.WriteReg(Register.AX, (low & 0xFF) | ((high & 0xFF) << 8));
            return;
        }
        c.WriteReg(Accumulator(size), low);
        c.WriteReg(size == 2 ? Register.DX : size == 4 ? Register.EDX : Register.RDX, high);
    }

    private static void SetMulFlags(X86Cpu c, bool overflow, ulong low, int size)
        => c.SetArith((overflow ? FlagBits.CF | FlagBits.OF : 0) | ZspFlags(low & Mask(size), size));

    public static void Mul(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var src = c.ReadOp0(ref d);
        var low = WideProduct(c.ReadReg(Accumulator(size)), src, size, signed: false, out var high, out var overflow);
        WritePair(c, size, low, high);
        SetMulFlags(c, overflow, low, size);
    }

    /// <summary>
    /// One-operand MUL and IMUL (the interpreter's handlers and compiled blocks): the double-width product of
    /// <paramref name="x"/> and <paramref name="y"/> at <paramref name="size"/> bytes, its low half returned and its high
    /// half in <paramref name="high"/>, each masked to the size; <paramref name="overflow"/> (CF = OF) when the high half
    /// is more than the low half's zero (MUL) or sign (IMUL) extension (SDM Vol. 2A MUL, IMUL).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong WideProduct(ulong x, ulong y, int size, bool signed, out ulong high, out bool overflow)
    {
        ulong low;
        if (size == 8 && signed)
        {
            var hi = Math.BigMul((long)x, (long)y, out var lo);
            high = (ulong)hi;
            overflow = hi != (lo >> 63);
            return (ulong)lo;
        }
        if (size == 8)
        {
            high = Math.BigMul(x, y, out low);
            overflow = high != 0;
            return low;
        }
        if (signed)
        {
            var p = SignExtend(x, size) * SignExtend(y, size);
            low = (ulong)p & Mask(size);
            high = (ulong)(p >> (size * 8)) & Mask(size);
            overflow = p != SignExtend(low, size);
            return low;
        }
        var u = (x & Mask(size)) * (y & Mask(size));
        high = u >> (size * 8);
        overflow = high != 0;
        return u & Mask(size);
    }

    /// <summary>IMUL in its one-, two- and three-operand forms.</summary>
    public static void Imul(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        if (d.I.OpCount == 1)
        {
            var src = c.ReadOp0(ref d);
            var low = WideProduct(c.ReadReg(Accumulator(size)), src, size, signed: true, out var high, out var carries);
            WritePair(c, size, low, high);
            SetMulFlags(c, carries, low, size);
            return;
        }
        long x, y;
        if (d.I.OpCount == 2)
        {
            x = SignExtend(c.ReadOp0(ref d), size);
            y = SignExtend(c.ReadOp1(ref d), size);
        }
        else
        {
            x = SignExtend(c.ReadOp1(ref d), size);
            y = SignExtend(d.I.GetImmediate(2) & Mask(size), size);
        }
        bool overflow;
        ulong result;
        if (size == 8)
        {
            var hi = Math.BigMul(x, y, out var lo);
            result = (ulong)lo;
            overflow = hi != (lo >> 63);
        }
        else
        {
            var p = x * y;
            result = (ulong)p & Mask(size);
            overflow = SignExtend(result, size) != p;
        }
        c.WriteReg(d.I.Op0Register, result);
        SetMulFlags(c, overflow, result, size);
    }

    internal static long SignExtend(ulong v, int size) => size switch
    {
        1 => (sbyte)v,
        2 => (short)v,
        4 => (int)v,
        _ => (long)v,
    };

    public static void Div(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var divisor = c.ReadOp0(ref d);
        if (divisor == 0)
            c.Throw(ExceptionVector.DivideError);
        ulong quotient, remainder;
        if (size == 8)
        {
            var dividend = ((UInt128)c.R[2] << 64) | c.R[0];
            var q = dividend / divisor;
            if (q > ulong.MaxValue)
                c.Throw(ExceptionVector.DivideError);
            quotient = (ulong)q;
            remainder = (ulong)(dividend % divisor);
        }
        else
        {
            var dividend = size == 1 ? c.ReadReg(Register.AX) : (c.ReadReg(size == 2 ? Register.DX : Register.EDX) << (size * 8)) | c.ReadReg(Accumulator(size));
            quotient = dividend / divisor;
            remainder = dividend % divisor;
            if (quotient > Mask(size))
                c.Throw(ExceptionVector.DivideError);
        }
        if (size == 1)
            c.WriteReg(Register.AX, quotient | (remainder << 8));
        else
            WritePair(c, size, quotient, remainder);
    }

    public static void Idiv(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var divisor = SignExtend(c.ReadOp0(ref d), size);
        if (divisor == 0)
            c.Throw(ExceptionVector.DivideError);
        long quotient, remainder;
        if (size == 8)
        {
            var dividend = (Int128)(((UInt128)c.R[2] << 64) | c.R[0]);
            if (dividend == Int128.MinValue && divisor == -1)
                c.Throw(ExceptionVector.DivideError);
            var q = dividend / divisor;
            if (q > long.MaxValue || q < long.MinValue)
                c.Throw(ExceptionVector.DivideError);
            quotient = (long)q;
            remainder = (long)(dividend % divisor);
        }
        else
        {
            var raw = size == 1 ? c.ReadReg(Register.AX) : (c.ReadReg(size == 2 ? Register.DX : Register.EDX) << (size * 8)) | c.ReadReg(Accumulator(size));
            var dividend = SignExtend(raw, size * 2);
            // EDX:EAX = -2^63 over -1: a quotient of 2^63, too large for EAX and so #DE (SDM Vol. 2A IDIV), which
            // .NET's long division would raise as an OverflowException instead.
            if (dividend == long.MinValue && divisor == -1)
                c.Throw(ExceptionVector.DivideError);
            quotient = dividend / divisor;
            remainder = dividend % divisor;
            var max = (long)(Mask(size) >> 1);
            if (quotient > max || quotient < -max - 1)
                c.Throw(ExceptionVector.DivideError);
        }
        if (size == 1)
            c.WriteReg(Register.AX, ((ulong)quotient & 0xFF) | (((ulong)remainder & 0xFF) << 8));
        else
            WritePair(c, size, (ulong)quotient, (ulong)remainder);
    }

    public static void Xadd(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        ulong a = c.ReadOp0(ref d), b = c.ReadReg(d.I.Op1Register);
        var r = (a + b) & Mask(size);
        c.WriteReg(d.I.Op1Register, a);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Add, a, b, r, size);
    }

    public static void Cmpxchg(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var acc = c.ReadReg(Accumulator(size));
        var dest = c.ReadOp0(ref d);
        if (acc == dest)
            c.WriteOp0(ref d, c.ReadReg(d.I.Op1Register));
        else
        {
            c.WriteOp0(ref d, dest); // the destination is always written back (SDM CMPXCHG); a 32-bit register is zero-extended
            c.WriteReg(Accumulator(size), dest);
        }
        c.SetLazy(LazyOp.Sub, acc, dest, (acc - dest) & Mask(size), size);
    }

    /// <summary>CMPXCHG8B and CMPXCHG16B (the 16-byte form requires a 16-byte-aligned operand, else #GP).</summary>
    public static void Cmpxchg8b(X86Cpu c, ref DecodedInstruction d)
    {
        var half = d.I.Code == Code.Cmpxchg16b_m128 ? 8 : 4;
        var ea = c.Ea(ref d);
        if (half == 8 && (ea & 15) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        var lo = c.ReadMem(d.Seg, ea, half);
        var hi = c.ReadMem(d.Seg, (ea + (ulong)half) & d.AddrMask, half);
        var m = Mask(half);
        var flags = c.ArithFlags() & ~FlagBits.ZF;
        if (lo == (c.R[0] & m) && hi == (c.R[2] & m))
        {
            c.WriteMem(d.Seg, ea, half, c.R[3]);
            c.WriteMem(d.Seg, (ea + (ulong)half) & d.AddrMask, half, c.R[1]);
            flags |= FlagBits.ZF;
        }
        else
        {
            c.WriteMem(d.Seg, ea, half, lo);
            c.WriteMem(d.Seg, (ea + (ulong)half) & d.AddrMask, half, hi);
            c.R[0] = half == 8 ? lo : (uint)lo;
            c.R[2] = half == 8 ? hi : (uint)hi;
        }
        c.SetArith(flags);
    }
}
