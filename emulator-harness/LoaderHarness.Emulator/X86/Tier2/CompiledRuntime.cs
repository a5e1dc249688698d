using System.Numerics;
using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// What compiled blocks call (the TLB fast path itself is written out in IL by the translator): the
/// interpreter's own slow paths (segment checks, page walk, MMIO, watches, code invalidation, faults) and
/// the operations whose flags are easier written once in C# than emitted as IL. Every slow path is the
/// interpreter's, so a compiled block reaches the same results and raises the same faults.
/// </summary>
internal static unsafe class CompiledRuntime
{
    /// <summary>
    /// The interpreter's read through a segment (limit checks, walk, MMIO, watches), for a block that has not written its
    /// state back: RIP and the run's count become the instruction's first, so a device, a watch or a timer sees them as
    /// the interpreter shows them. A guest fault is not raised from here: false, and the block leaves at the instruction
    /// with its state exact, where the interpreter runs it again and raises the fault (the walk's accessed bits, the only
    /// thing a faulting access may have changed, are set again the same). The value is in <see cref="GuestCpuCore.SlowValue"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryRead(X86Cpu cpu, int seg, ulong offset, int size, ulong rip, ulong executed)
    {
        cpu.Rip = rip;
        cpu.RunExecuted = executed;
        try
        {
            cpu.SlowValue = cpu.ReadMem(seg, offset, size);
            return true;
        }
        catch (GuestFault)
        {
            return false;
        }
    }

    /// <summary>The write of <see cref="TryRead"/>: also invalidates decoded and compiled code it overlaps; both pages of a straddling write translate before either is written.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool TryWrite(X86Cpu cpu, int seg, ulong offset, int size, ulong value, ulong rip, ulong executed)
    {
        cpu.Rip = rip;
        cpu.RunExecuted = executed;
        try
        {
            cpu.WriteMem(seg, offset, size, value);
            return true;
        }
        catch (GuestFault)
        {
            return false;
        }
    }

    /// <summary>DIV r/m64 whose quotient fits (<paramref name="high"/> below <paramref name="divisor"/>): RDX:RAX / divisor, the remainder in <paramref name="remainder"/>.</summary>
    public static ulong DivideWide(ulong high, ulong low, ulong divisor, out ulong remainder)
    {
        var dividend = (UInt128)high << 64 | low;
        remainder = (ulong)(dividend % divisor);
        return (ulong)(dividend / divisor);
    }

    /// <summary>A Jcc/SETcc/CMOVcc condition from a lazy flag state known only at run time (the interpreter's evaluation).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Condition(int cc, int op, ulong a, ulong b, ulong r, ulong aux, ulong arith, int size)
        => LazyFlags.Condition((Iced.Intel.ConditionCode)cc, (LazyOp)op, a, b, r, aux, arith, size) ? 1 : 0;

    /// <summary>The six arithmetic flags of a lazy flag state known only at run time, as RFLAGS bits.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong ArithFlags(int op, ulong a, ulong b, ulong r, ulong aux, ulong arith, int size)
        => LazyFlags.Arith((LazyOp)op, a, b, r, aux, arith, size);

    /// <summary>CF from a lazy flag state known only at run time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Carry(int op, ulong a, ulong b, ulong r, ulong aux, ulong arith)
        => LazyFlags.Cf((LazyOp)op, a, b, r, aux, arith) ? 1UL : 0;

    /// <summary>CF of ADC's lazy state: r &lt; a, or r == a with a carry in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CarryAdc(ulong a, ulong r, ulong aux) => r < a || (aux != 0 && r == a) ? 1UL : 0;

    /// <summary>CF of SBB's lazy state: a &lt; b, or a == b with a borrow in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CarrySbb(ulong a, ulong b, ulong aux) => a < b || (aux != 0 && a == b) ? 1UL : 0;

    /// <summary>PF: set when the low byte of the result has an even number of one bits (SDM Vol. 1 §3.4.3.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Parity(ulong r) => (BitOperations.PopCount((uint)(byte)r) & 1) ^ 1;

    /// <summary>SHL by a non-zero masked count, as the interpreter computes it; the six arithmetic flags in <paramref name="flags"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Shl(ulong a, int count, int size, out ulong flags)
    {
        var bits = size * 8;
        var r = count >= 64 ? 0 : (a << count) & X86Cpu.Mask(size);
        var cf = count <= bits && ((a >> (bits - count)) & 1) != 0;
        flags = ShiftFlags(r, size, cf, ((r & X86Cpu.SignBit(size)) != 0) ^ cf);
        return r;
    }

    /// <summary>SHR by a non-zero masked count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Shr(ulong a, int count, int size, out ulong flags)
    {
        var r = a >> count;
        flags = ShiftFlags(r, size, ((a >> (count - 1)) & 1) != 0, (a & X86Cpu.SignBit(size)) != 0);
        return r;
    }

    /// <summary>SAR by a non-zero masked count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sar(ulong a, int count, int size, out ulong flags)
    {
        var s = Arithmetic.SignExtend(a, size);
        var r = (ulong)(s >> Math.Min(count, 63)) & X86Cpu.Mask(size);
        flags = ShiftFlags(r, size, ((s >> Math.Min(count - 1, 63)) & 1) != 0, false);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShiftFlags(ulong r, int size, bool cf, bool of)
        => Zsp(r, size) | (cf ? FlagBits.CF : 0) | (of ? FlagBits.OF : 0);

    /// <summary>
    /// <see cref="X86Cpu.ZspFlags"/> without branches, inlined: a call left in a compiled block's fast path makes the JIT
    /// spill the block's registers around it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Zsp(ulong r, int size)
        => ((r == 0 ? 1UL : 0) << 6) | (((r >> (size * 8 - 1)) & 1) << 7) | ((ulong)Parity(r) << 2);

    /// <summary>
    /// One-operand MUL and IMUL of 32 or 64 bits: the low half of the accumulator × <paramref name="y"/>, the high half in
    /// <paramref name="high"/>; CF = OF = the high half is not the zero (MUL) or sign (IMUL) extension of the low half (SDM
    /// Vol. 2A MUL, IMUL), SF, ZF and PF from the low half and AF clear, as the interpreter records them (Arithmetic.Mul).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulWide(ulong x, ulong y, int size, bool signed, out ulong high, out ulong flags)
    {
        var low = Arithmetic.WideProduct(x, y, size, signed, out high, out var overflow);
        flags = (overflow ? FlagBits.CF | FlagBits.OF : 0) | Zsp(low, size);
        return low;
    }

    /// <summary>Two- and three-operand IMUL: the truncated product, CF = OF = the signed result did not fit (SDM Vol. 2A IMUL).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Imul(ulong x, ulong y, int size, out ulong flags)
    {
        long a = Arithmetic.SignExtend(x, size), b = Arithmetic.SignExtend(y, size);
        bool overflow;
        ulong result;
        if (size == 8)
        {
            var hi = Math.BigMul(a, b, out var lo);
            result = (ulong)lo;
            overflow = hi != (lo >> 63);
        }
        else
        {
            var p = a * b;
            result = (ulong)p & X86Cpu.Mask(size);
            overflow = Arithmetic.SignExtend(result, size) != p;
        }
        flags = (overflow ? FlagBits.CF | FlagBits.OF : 0) | Zsp(result, size);
        return result;
    }
}
