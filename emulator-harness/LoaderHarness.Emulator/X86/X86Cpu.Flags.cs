using System.Numerics;
using System.Runtime.CompilerServices;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>RFLAGS with lazily evaluated arithmetic flags (SDM Vol. 1 §3.4.3, Appendix A).</summary>
public sealed partial class X86Cpu
{
    /// <summary>RFLAGS bits other than the six arithmetic flags.</summary>
    internal ulong FlagsRest = FlagBits.Fixed1;

    internal LazyOp FlOp;
    internal ulong FlA, FlB, FlR, FlAux, FlArith;
    internal int FlSize = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SignBit(int size) => 1UL << (size * 8 - 1);

    /// <summary>Records a flag-setting operation; operands and result must already be masked to <paramref name="size"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLazy(LazyOp op, ulong a, ulong b, ulong r, int size)
    {
        FlOp = op;
        FlA = a;
        FlB = b;
        FlR = r;
        FlSize = size;
    }

    /// <summary>Replaces the arithmetic flags with explicit values.</summary>
    internal void SetArith(ulong bits)
    {
        FlOp = LazyOp.None;
        FlArith = bits & FlagBits.Arithmetic;
    }

    internal bool CF
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => FlOp switch
        {
            LazyOp.None => (FlArith & FlagBits.CF) != 0,
            LazyOp.Add => FlR < FlA,
            LazyOp.Adc => FlR < FlA || (FlAux != 0 && FlR == FlA),
            LazyOp.Sub => FlA < FlB,
            LazyOp.Sbb => FlA < FlB || (FlAux != 0 && FlA == FlB),
            LazyOp.Logic => false,
            _ => FlAux != 0,
        };
    }

    internal bool ZF => FlOp == LazyOp.None ? (FlArith & FlagBits.ZF) != 0 : FlR == 0;

    internal bool SF => FlOp == LazyOp.None ? (FlArith & FlagBits.SF) != 0 : (FlR & SignBit(FlSize)) != 0;

    internal bool PF => FlOp == LazyOp.None ? (FlArith & FlagBits.PF) != 0 : (BitOperations.PopCount((uint)(byte)FlR) & 1) == 0;

    internal bool AF => FlOp switch
    {
        LazyOp.None => (FlArith & FlagBits.AF) != 0,
        LazyOp.Logic => false,
        _ => ((FlA ^ FlB ^ FlR) & 0x10) != 0,
    };

    internal bool OF => FlOp switch
    {
        LazyOp.None => (FlArith & FlagBits.OF) != 0,
        LazyOp.Add or LazyOp.Adc or LazyOp.Inc => ((FlA ^ FlR) & (FlB ^ FlR) & SignBit(FlSize)) != 0,
        LazyOp.Sub or LazyOp.Sbb or LazyOp.Dec => ((FlA ^ FlB) & (FlA ^ FlR) & SignBit(FlSize)) != 0,
        _ => false,
    };

    /// <summary>The six arithmetic flags as RFLAGS bits.</summary>
    internal ulong ArithFlags()
    {
        if (FlOp == LazyOp.None)
            return FlArith;
        ulong f = 0;
        if (CF) f |= FlagBits.CF;
        if (PF) f |= FlagBits.PF;
        if (AF) f |= FlagBits.AF;
        if (ZF) f |= FlagBits.ZF;
        if (SF) f |= FlagBits.SF;
        if (OF) f |= FlagBits.OF;
        return f;
    }

    internal ulong GetRflags() => FlagsRest | ArithFlags();

    /// <summary>Sets all of RFLAGS (only architecturally writable bits; bit 1 stays set).</summary>
    internal void SetRflagsValue(ulong value)
    {
        var wasEnabled = (FlagsRest & FlagBits.IF) != 0;
        FlagsRest = (value & FlagBits.Writable & ~FlagBits.Arithmetic) | FlagBits.Fixed1;
        SetArith(value);
        // POPF/IRET unmasking a pending interrupt: return to the loop so it is taken at the next boundary.
        if (!wasEnabled && (FlagsRest & FlagBits.IF) != 0 && _interruptInput is { IsAsserted: true })
            BreakChain();
    }

    /// <summary>Result flags ZF, SF, PF of <paramref name="r"/> (masked to <paramref name="size"/>) as RFLAGS bits.</summary>
    internal static ulong ZspFlags(ulong r, int size)
    {
        ulong f = 0;
        if (r == 0) f |= FlagBits.ZF;
        if ((r & SignBit(size)) != 0) f |= FlagBits.SF;
        if ((BitOperations.PopCount((uint)(byte)r) & 1) == 0) f |= FlagBits.PF;
        return f;
    }

    /// <summary>Evaluates a Jcc/SETcc/CMOVcc condition; comparisons after SUB/CMP skip flag materialisation.</summary>
    internal bool Condition(ConditionCode cc)
    {
        if (FlOp == LazyOp.Sub)
        {
            var shift = 64 - FlSize * 8;
            switch (cc)
            {
                case ConditionCode.e: return FlA == FlB;
                case ConditionCode.ne: return FlA != FlB;
                case ConditionCode.b: return FlA < FlB;
                case ConditionCode.ae: return FlA >= FlB;
                case ConditionCode.be: return FlA <= FlB;
                case ConditionCode.a: return FlA > FlB;
                case ConditionCode.l: return (long)(FlA << shift) < (long)(FlB << shift);
                case ConditionCode.ge: return (long)(FlA << shift) >= (long)(FlB << shift);
                case ConditionCode.le: return (long)(FlA << shift) <= (long)(FlB << shift);
                case ConditionCode.g: return (long)(FlA << shift) > (long)(FlB << shift);
            }
        }
        return cc switch
        {
            ConditionCode.o => OF,
            ConditionCode.no => !OF,
            ConditionCode.b => CF,
            ConditionCode.ae => !CF,
            ConditionCode.e => ZF,
            ConditionCode.ne => !ZF,
            ConditionCode.be => CF || ZF,
            ConditionCode.a => !CF && !ZF,
            ConditionCode.s => SF,
            ConditionCode.ns => !SF,
            ConditionCode.p => PF,
            ConditionCode.np => !PF,
            ConditionCode.l => SF != OF,
            ConditionCode.ge => SF == OF,
            ConditionCode.le => ZF || SF != OF,
            ConditionCode.g => !ZF && SF == OF,
            _ => true,
        };
    }

    /// <summary>The direction flag as a step sign.</summary>
    internal bool DirectionDown => (FlagsRest & FlagBits.DF) != 0;

    /// <summary>POPF and real-mode IRET: flag writes limited by CPL and IOPL (SDM Vol. 2 POPF).</summary>
    internal void WriteFlagsChecked(ulong value, int size) => WriteFlagsForCpl(value, size, Cpl);

    /// <summary>
    /// Writes RFLAGS as POPF/IRET do at privilege <paramref name="cpl"/>: IOPL only at CPL 0, IF only when
    /// CPL ≤ IOPL, VM/VIF/VIP untouched (virtual-8086 mode is not supported), only the low 16 bits for
    /// 16-bit operands.
    /// </summary>
    internal void WriteFlagsForCpl(ulong value, int size, int cpl)
    {
        var changeable = FlagBits.Writable & ~(FlagBits.VM | FlagBits.VIF | FlagBits.VIP | FlagBits.RF);
        if (Protected)
        {
            var iopl = (int)((FlagsRest & FlagBits.IOPL) >> 12);
            if (cpl > 0)
                changeable &= ~FlagBits.IOPL;
            if (cpl > iopl)
                changeable &= ~FlagBits.IF;
        }
        if (size == 2)
            changeable &= 0xFFFF;
        SetRflagsValue((GetRflags() & ~changeable) | (value & changeable));
    }
}
