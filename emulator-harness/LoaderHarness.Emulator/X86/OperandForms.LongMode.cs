using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// 64-bit mode memory forms of MOV, MOVZX/MOVSX and the two-operand ALU operations, compiled once per access size
/// and per segment kind: in 64-bit mode the bases of ES, CS, SS and DS are treated as 0 and no limit is checked,
/// only FS and GS add their base (SDM Vol. 3A §3.2.4), so the linear address is the effective address (plus that
/// base) and the software TLB's fast path runs with a constant size. Each does what the form in
/// <see cref="OperandForms"/> or the general handler does for that one case.
/// </summary>
internal static unsafe partial class OperandForms
{
    /// <summary>The 64-bit mode memory form for <paramref name="d"/>, or null.</summary>
    private static delegate*<X86Cpu, ref DecodedInstruction, void> SelectLongMode(ref DecodedInstruction d)
    {
        var flat = d.Seg < (byte)SegmentRegister.Fs;
        return d.MemSize switch
        {
            1 => flat ? LongMode<Size1, Flat>(ref d) : LongMode<Size1, Based>(ref d),
            2 => flat ? LongMode<Size2, Flat>(ref d) : LongMode<Size2, Based>(ref d),
            4 => flat ? LongMode<Size4, Flat>(ref d) : LongMode<Size4, Based>(ref d),
            8 => flat ? LongMode<Size8, Flat>(ref d) : LongMode<Size8, Based>(ref d),
            _ => null,
        };
    }

    private static delegate*<X86Cpu, ref DecodedInstruction, void> LongMode<TSize, TSeg>(ref DecodedInstruction d)
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
    {
        OperandKind k0 = d.K0, k1 = d.K1;
        var m = d.I.Mnemonic;
        if (m is Mnemonic.Movzx or Mnemonic.Movsx or Mnemonic.Movsxd)
        {
            if (k0 != OperandKind.Gpr || k1 != OperandKind.Memory)
                return null;
            return m == Mnemonic.Movzx ? &MovzxRM<TSize, TSeg> : &MovsxRM<TSize, TSeg>;
        }
        if (d.MemSize != d.OpSize)
            return null;
        switch (m)
        {
            case Mnemonic.Mov:
                return (k0, k1) switch
                {
                    (OperandKind.Gpr, OperandKind.Memory) => &MovRM<TSize, TSeg>,
                    (OperandKind.Memory, OperandKind.Gpr) => &MovMR<TSize, TSeg>,
                    (OperandKind.Memory, OperandKind.Immediate) => &MovMI<TSize, TSeg>,
                    _ => null,
                };
            case Mnemonic.Add: return AluMemory<AddOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Or: return AluMemory<OrOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Adc: return AluMemory<AdcOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Sbb: return AluMemory<SbbOp, TSize, TSeg>(k0, k1);
            case Mnemonic.And: return AluMemory<AndOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Sub: return AluMemory<SubOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Xor: return AluMemory<XorOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Cmp: return AluMemory<CmpOp, TSize, TSeg>(k0, k1);
            case Mnemonic.Test: return AluMemory<TestOp, TSize, TSeg>(k0, k1);
            default: return null;
        }
    }

    private static delegate*<X86Cpu, ref DecodedInstruction, void> AluMemory<TOp, TSize, TSeg>(OperandKind k0, OperandKind k1)
        where TOp : struct, IAluOp
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
        => (k0, k1) switch
        {
            (OperandKind.Gpr, OperandKind.Memory) => &AluRM<TOp, TSize, TSeg>,
            (OperandKind.Memory, OperandKind.Gpr) => &AluMR<TOp, TSize, TSeg>,
            (OperandKind.Memory, OperandKind.Immediate) => &AluMI<TOp, TSize, TSeg>,
            _ => null,
        };

    /// <summary>The linear address of the memory operand in 64-bit mode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Linear<TSeg>(X86Cpu c, ref DecodedInstruction d) where TSeg : struct, ISegmentKind
        => TSeg.IsFlat ? c.Ea(ref d) : c.Ea(ref d) + Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(c.SegBase), d.Seg);

    private static void MovRM<TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
        => SetR0(c, ref d, c.ReadLinear(Linear<TSeg>(c, ref d), TSize.Bytes));

    private static void MovMR<TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
        => c.WriteLinear(Linear<TSeg>(c, ref d), TSize.Bytes, GetR1(c, ref d));

    private static void MovMI<TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
        => c.WriteLinear(Linear<TSeg>(c, ref d), TSize.Bytes, d.Imm);

    private static void MovzxRM<TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
        => SetR0(c, ref d, c.ReadLinear(Linear<TSeg>(c, ref d), TSize.Bytes));

    private static void MovsxRM<TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
    {
        var v = c.ReadLinear(Linear<TSeg>(c, ref d), TSize.Bytes);
        SetR0(c, ref d, (ulong)Arithmetic.SignExtend(v, TSize.Bytes) & d.M0);
    }

    private static void AluRM<TOp, TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TOp : struct, IAluOp
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
    {
        var b = c.ReadLinear(Linear<TSeg>(c, ref d), TSize.Bytes);
        var v = TOp.Apply(c, GetR0(c, ref d), b, X86Cpu.Mask(TSize.Bytes), TSize.Bytes);
        if (TOp.Writes)
            SetR0(c, ref d, v);
    }

    private static void AluMR<TOp, TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TOp : struct, IAluOp
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
    {
        var linear = Linear<TSeg>(c, ref d);
        var a = c.ReadLinear(linear, TSize.Bytes);
        var v = TOp.Apply(c, a, GetR1(c, ref d), X86Cpu.Mask(TSize.Bytes), TSize.Bytes);
        if (TOp.Writes)
            c.WriteLinear(linear, TSize.Bytes, v);
    }

    private static void AluMI<TOp, TSize, TSeg>(X86Cpu c, ref DecodedInstruction d)
        where TOp : struct, IAluOp
        where TSize : struct, IAccessSize
        where TSeg : struct, ISegmentKind
    {
        var linear = Linear<TSeg>(c, ref d);
        var a = c.ReadLinear(linear, TSize.Bytes);
        var v = TOp.Apply(c, a, d.Imm, X86Cpu.Mask(TSize.Bytes), TSize.Bytes);
        if (TOp.Writes)
            c.WriteLinear(linear, TSize.Bytes, v);
    }

    /// <summary>The size in bytes of a memory access, as a type so each size gets its own compiled handler.</summary>
    private interface IAccessSize
    {
        static abstract int Bytes { get; }
    }

    private struct Size1 : IAccessSize
    {
        public static int Bytes => 1;
    }

    private struct Size2 : IAccessSize
    {
        public static int Bytes => 2;
    }

    private struct Size4 : IAccessSize
    {
        public static int Bytes => 4;
    }

    private struct Size8 : IAccessSize
    {
        public static int Bytes => 8;
    }

    /// <summary>Whether the operand's segment adds no base in 64-bit mode (ES, CS, SS, DS) or its base (FS, GS).</summary>
    private interface ISegmentKind
    {
        static abstract bool IsFlat { get; }
    }

    private struct Flat : ISegmentKind
    {
        public static bool IsFlat => true;
    }

    private struct Based : ISegmentKind
    {
        public static bool IsFlat => false;
    }
}
