using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Specialised handlers for the operand forms hot code spends its time in: two-operand ALU operations,
/// MOV, MOVZX/MOVSX between registers, LEA, INC/DEC of a register, near JMP, JE/JNE, and 64-bit near CALL/RET/PUSH/POP
/// (64-bit mode memory forms in OperandForms.LongMode.cs). Each does exactly what the
/// general handler of its family does for that one form, without testing operand kinds at run time; the
/// general handlers stay the reference and take every other form. <see cref="Select"/> picks one at decode.
/// A handler group, so one file despite its length.
/// </summary>
internal static unsafe partial class OperandForms
{
    /// <summary>The specialised handler for <paramref name="d"/>, or null when the general one must run.</summary>
    public static delegate*<X86Cpu, ref DecodedInstruction, void> Select(ref DecodedInstruction d, int bitness)
    {
        OperandKind k0 = d.K0, k1 = d.K1;
        var stack64 = bitness == 64 && d.OpAttr != 2;
        if (bitness == 64 && (k0 == OperandKind.Memory || k1 == OperandKind.Memory))
        {
            var longMode = SelectLongMode(ref d);
            if (longMode != null)
                return longMode;
        }
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Add: return Alu<AddOp>(k0, k1);
            case Mnemonic.Or: return Alu<OrOp>(k0, k1);
            case Mnemonic.Adc: return Alu<AdcOp>(k0, k1);
            case Mnemonic.Sbb: return Alu<SbbOp>(k0, k1);
            case Mnemonic.And: return Alu<AndOp>(k0, k1);
            case Mnemonic.Sub: return Alu<SubOp>(k0, k1);
            case Mnemonic.Xor: return Alu<XorOp>(k0, k1);
            case Mnemonic.Cmp: return Alu<CmpOp>(k0, k1);
            case Mnemonic.Test: return Alu<TestOp>(k0, k1);
            case Mnemonic.Mov:
                return (k0, k1) switch
                {
                    (OperandKind.Gpr, OperandKind.Gpr) => d.OpSize switch { 8 => &MovRR64, 4 => &MovRR32, _ => &MovRR },
                    (OperandKind.Gpr, OperandKind.Immediate) => &MovRI,
                    (OperandKind.Gpr, OperandKind.Memory) => &MovRM,
                    (OperandKind.Memory, OperandKind.Gpr) => &MovMR,
                    (OperandKind.Memory, OperandKind.Immediate) => &MovMI,
                    _ => null,
                };
            case Mnemonic.Lea: return k0 != OperandKind.Gpr ? null : d.OpSize == 8 ? &LeaR64 : &LeaR;
            case Mnemonic.Inc: return k0 == OperandKind.Gpr ? &IncR : null;
            case Mnemonic.Dec: return k0 == OperandKind.Gpr ? &DecR : null;
            case Mnemonic.Movzx: return k0 == OperandKind.Gpr && k1 == OperandKind.Gpr ? &MovzxRR : null;
            case Mnemonic.Movsx or Mnemonic.Movsxd: return k0 == OperandKind.Gpr && k1 == OperandKind.Gpr ? &MovsxRR : null;
            case Mnemonic.Jmp: return d.I.Op0Kind is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64 ? &JmpNear : null;
            case Mnemonic.Je: return &Je;
            case Mnemonic.Jne: return &Jne;
            case Mnemonic.Call: return stack64 && d.I.Op0Kind == OpKind.NearBranch64 ? &CallNear64 : null;
            case Mnemonic.Ret: return !stack64 ? null : d.I.OpCount == 0 ? &RetNear64 : &RetNear64Imm;
            case Mnemonic.Push: return stack64 && k0 == OperandKind.Gpr && d.M0 == ulong.MaxValue ? &PushR64 : null;
            case Mnemonic.Pop: return stack64 && k0 == OperandKind.Gpr && d.M0 == ulong.MaxValue ? &PopR64 : null;
            default: return null;
        }
    }

    private static delegate*<X86Cpu, ref DecodedInstruction, void> Alu<TOp>(OperandKind k0, OperandKind k1)
        where TOp : struct, IAluOp
        => (k0, k1) switch
        {
            (OperandKind.Gpr, OperandKind.Gpr) => &AluRR<TOp>,
            (OperandKind.Gpr, OperandKind.Immediate) => &AluRI<TOp>,
            (OperandKind.Gpr, OperandKind.Memory) => &AluRM<TOp>,
            (OperandKind.Memory, OperandKind.Gpr) => &AluMR<TOp>,
            (OperandKind.Memory, OperandKind.Immediate) => &AluMI<TOp>,
            _ => null,
        };

    /// <summary>Writes <paramref name="value"/> (already masked) into operand 0's register with the x86 merge rules.</summary>
    private static void SetR0(X86Cpu c, ref DecodedInstruction d, ulong value)
    {
        ref var r = ref c.R[d.R0];
        r = (r & d.Keep0) | (value << d.Sh0);
    }

    private static ulong GetR0(X86Cpu c, ref DecodedInstruction d) => (c.R[d.R0] >> d.Sh0) & d.M0;

    private static ulong GetR1(X86Cpu c, ref DecodedInstruction d) => (c.R[d.R1] >> d.Sh1) & d.M1;

    private static void AluRR<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        var v = TOp.Apply(c, GetR0(c, ref d), GetR1(c, ref d), d.M0, d.OpSize);
        if (TOp.Writes)
            SetR0(c, ref d, v);
    }

    private static void AluRI<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        var v = TOp.Apply(c, GetR0(c, ref d), d.Imm, d.M0, d.OpSize);
        if (TOp.Writes)
            SetR0(c, ref d, v);
    }

    private static void AluRM<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        var b = c.ReadMem(d.Seg, c.Ea(ref d), d.OpSize);
        var v = TOp.Apply(c, GetR0(c, ref d), b, d.M0, d.OpSize);
        if (TOp.Writes)
            SetR0(c, ref d, v);
    }

    private static void AluMR<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        var ea = c.Ea(ref d);
        var a = c.ReadMem(d.Seg, ea, d.OpSize);
        var v = TOp.Apply(c, a, GetR1(c, ref d), d.M0, d.OpSize);
        if (TOp.Writes)
            c.WriteMem(d.Seg, ea, d.OpSize, v);
    }

    private static void AluMI<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        var ea = c.Ea(ref d);
        var a = c.ReadMem(d.Seg, ea, d.OpSize);
        var v = TOp.Apply(c, a, d.Imm, d.M0, d.OpSize);
        if (TOp.Writes)
            c.WriteMem(d.Seg, ea, d.OpSize, v);
    }

    private static void MovRR(X86Cpu c, ref DecodedInstruction d) => SetR0(c, ref d, GetR1(c, ref d));

    /// <summary>MOV between 64-bit registers: no part of the destination is kept, no byte register shifted.</summary>
    private static void MovRR64(X86Cpu c, ref DecodedInstruction d) => c.R[d.R0] = c.R[d.R1];

    /// <summary>MOV between 32-bit registers, which zero-extends into the 64-bit one (SDM Vol. 1 §3.4.1.1).</summary>
    private static void MovRR32(X86Cpu c, ref DecodedInstruction d) => c.R[d.R0] = (uint)c.R[d.R1];

    private static void MovRI(X86Cpu c, ref DecodedInstruction d) => SetR0(c, ref d, d.Imm);

    private static void MovRM(X86Cpu c, ref DecodedInstruction d) => SetR0(c, ref d, c.ReadMem(d.Seg, c.Ea(ref d), d.OpSize));

    private static void MovMR(X86Cpu c, ref DecodedInstruction d) => c.WriteMem(d.Seg, c.Ea(ref d), d.OpSize, GetR1(c, ref d));

    private static void MovMI(X86Cpu c, ref DecodedInstruction d) => c.WriteMem(d.Seg, c.Ea(ref d), d.OpSize, d.Imm);

    private static void MovzxRR(X86Cpu c, ref DecodedInstruction d) => SetR0(c, ref d, GetR1(c, ref d));

    /// <summary>MOVSX/MOVSXD from a register: the source's sign bit (the top bit of its width mask) extends up to the destination's width.</summary>
    private static void MovsxRR(X86Cpu c, ref DecodedInstruction d)
    {
        var sign = (d.M1 >> 1) + 1;
        SetR0(c, ref d, ((GetR1(c, ref d) ^ sign) - sign) & d.M0);
    }

    private static void LeaR(X86Cpu c, ref DecodedInstruction d) => SetR0(c, ref d, c.Ea(ref d) & d.M0);

    /// <summary>LEA into a 64-bit register: the whole (address-size masked) effective address.</summary>
    private static void LeaR64(X86Cpu c, ref DecodedInstruction d) => c.R[d.R0] = c.Ea(ref d);

    private static void IncR(X86Cpu c, ref DecodedInstruction d)
    {
        var a = GetR0(c, ref d);
        var r = (a + 1) & d.M0;
        SetR0(c, ref d, r);
        ulong carry = c.CF ? 1UL : 0;
        c.SetLazy(LazyOp.Inc, a, 1, r, d.OpSize);
        c.FlAux = carry;
    }

    private static void DecR(X86Cpu c, ref DecodedInstruction d)
    {
        var a = GetR0(c, ref d);
        var r = (a - 1) & d.M0;
        SetR0(c, ref d, r);
        ulong carry = c.CF ? 1UL : 0;
        c.SetLazy(LazyOp.Dec, a, 1, r, d.OpSize);
        c.FlAux = carry;
    }

    private static void Je(X86Cpu c, ref DecodedInstruction d)
    {
        if (c.ZF)
            c.NextRip = d.Target;
    }

    private static void Jne(X86Cpu c, ref DecodedInstruction d)
    {
        if (!c.ZF)
            c.NextRip = d.Target;
    }

    private static void JmpNear(X86Cpu c, ref DecodedInstruction d)
    {
        if (d.Target == c.Rip)
            c.Stop(StopReason.SelfLoop, $"jmp . at 0x{c.Rip:x}");
        c.NextRip = d.Target;
    }

    // 64-bit mode, 8-byte stack operations: SS's base is ignored and RSP is used whole (SDM Vol. 1 §6.2.5).

    private static void CallNear64(X86Cpu c, ref DecodedInstruction d)
    {
        var sp = c.R[4] - 8;
        c.WriteLinear(sp, 8, d.NextIP);
        c.R[4] = sp;
        c.NextRip = d.Target;
    }

    private static void RetNear64(X86Cpu c, ref DecodedInstruction d)
    {
        var sp = c.R[4];
        var target = c.ReadLinear(sp, 8);
        c.R[4] = sp + 8;
        c.NextRip = target;
    }

    /// <summary>RET imm16: also releases imm16 bytes of parameters.</summary>
    private static void RetNear64Imm(X86Cpu c, ref DecodedInstruction d)
    {
        var sp = c.R[4];
        var target = c.ReadLinear(sp, 8);
        c.R[4] = sp + 8 + d.I.Immediate16;
        c.NextRip = target;
    }

    private static void PushR64(X86Cpu c, ref DecodedInstruction d)
    {
        var sp = c.R[4] - 8;
        c.WriteLinear(sp, 8, c.R[d.R0]);
        c.R[4] = sp;
    }

    private static void PopR64(X86Cpu c, ref DecodedInstruction d)
    {
        var sp = c.R[4];
        var v = c.ReadLinear(sp, 8);
        c.R[4] = sp + 8;
        c.R[d.R0] = v;
    }

    /// <summary>A two-operand ALU operation: computes the result masked to the operand, records the flags, says whether the result is stored.</summary>
    private interface IAluOp
    {
        static abstract bool Writes { get; }

        static abstract ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size);
    }

    private struct AddOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            var r = (a + b) & mask;
            c.SetLazy(LazyOp.Add, a, b, r, size);
            return r;
        }
    }

    private struct AdcOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            ulong carry = c.CF ? 1UL : 0;
            var r = (a + b + carry) & mask;
            c.SetLazy(LazyOp.Adc, a, b, r, size);
            c.FlAux = carry;
            return r;
        }
    }

    private struct SubOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            var r = (a - b) & mask;
            c.SetLazy(LazyOp.Sub, a, b, r, size);
            return r;
        }
    }

    private struct SbbOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            ulong borrow = c.CF ? 1UL : 0;
            var r = (a - b - borrow) & mask;
            c.SetLazy(LazyOp.Sbb, a, b, r, size);
            c.FlAux = borrow;
            return r;
        }
    }

    private struct CmpOp : IAluOp
    {
        public static bool Writes => false;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            c.SetLazy(LazyOp.Sub, a, b, (a - b) & mask, size);
            return 0;
        }
    }

    private struct AndOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            var r = a & b;
            c.SetLazy(LazyOp.Logic, 0, 0, r, size);
            return r;
        }
    }

    private struct OrOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            var r = a | b;
            c.SetLazy(LazyOp.Logic, 0, 0, r, size);
            return r;
        }
    }

    private struct XorOp : IAluOp
    {
        public static bool Writes => true;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            var r = a ^ b;
            c.SetLazy(LazyOp.Logic, 0, 0, r, size);
            return r;
        }
    }

    private struct TestOp : IAluOp
    {
        public static bool Writes => false;

        public static ulong Apply(X86Cpu c, ulong a, ulong b, ulong mask, int size)
        {
            c.SetLazy(LazyOp.Logic, 0, 0, a & b, size);
            return 0;
        }
    }
}
