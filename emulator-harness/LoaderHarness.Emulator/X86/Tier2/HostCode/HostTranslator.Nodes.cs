using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>Each guest instruction's host code: its operands loaded into R8 (operand 0) and R9 (operand 1), the host operation at the guest's size, the result stored.</summary>
internal sealed partial class HostTranslator
{
    private void EmitNode(int i)
    {
        var n = _nodes[i];
        if (n.Leader)
        {
            SaveFlags(); // the path falling into this basic block; every path in arrives with the flags saved
            _a.Label(ref _labels[i]);
            _flags.InHost = false;
            EmitBudgetCheck(in n);
        }
        if (!Supported(in n))
        {
            Leave(n.Rip, Behind(in n));
            return;
        }
        ref readonly var d = ref n.D;
        var size = (int)d.OpSize;
        switch (n.Op)
        {
            case GuestOp.Nop:
                break;
            case GuestOp.Mov:
                Access(in n, read: d.K1 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
                if (Cached(in n, 0) is var into && into != Register.None && (size >= 4 || d.I.Op1Kind is OpKind.Register or OpKind.Memory))
                    Load(in n, 1, size, into); // straight into the host register (an immediate load writes all of it)
                else if (Cached(in n, 1) is var from && from != Register.None && (size != 4 || d.K0 == OperandKind.Memory))
                    StoreOp0(in n, size, from); // straight from the host register (a 32-bit write to the array must zero-extend: not that)
                else
                {
                    Load(in n, 1, size, R9);
                    StoreOp0(in n, size, R9);
                }
                break;
            case GuestOp.Movzx or GuestOp.Movsx:
                {
                    var (from, to) = ExtendSizes(in d);
                    Access(in n, read: d.K1 == OperandKind.Memory, write: false);
                    var extended = Cached(in n, 0) is var cached && cached != Register.None ? cached : R9; // in place, merging or zero-extending as the guest's
                    if (Cached(in n, 1) is var source && source != Register.None)
                        Op(SizedCodes.Extend(n.Op == GuestOp.Movsx, from, to), Sized(extended, to), Sized(source, from));
                    else
                        Op(SizedCodes.Extend(n.Op == GuestOp.Movsx, from, to), Sized(extended, to), Operand(in n, 1));
                    if (extended == R9)
                        StoreOp0(in n, to, R9);
                    break;
                }
            case GuestOp.Lea:
                EffectiveAddress(in d);
                if (size == 4)
                    _a.mov(edi, edi);
                StoreOp0(in n, size, Register.RDI);
                break;
            case GuestOp.Add or GuestOp.Adc or GuestOp.Sub or GuestOp.Sbb or GuestOp.And or GuestOp.Or or GuestOp.Xor
                or GuestOp.Cmp or GuestOp.Test:
                EmitAlu(in n, size);
                break;
            case GuestOp.Inc or GuestOp.Dec or GuestOp.Neg or GuestOp.Not:
                Access(in n, read: d.K0 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
                Load(in n, 0, size, R8);
                if (n.Op is GuestOp.Inc or GuestOp.Dec && n.FlagsLive)
                    NeedHostFlags(); // CF passes through
                Op(SizedCodes.Of(n.Op switch { GuestOp.Inc => HostForm.Inc, GuestOp.Dec => HostForm.Dec, GuestOp.Neg => HostForm.Neg, _ => HostForm.Not }, size), Sized(R8, size));
                if (n.Op != GuestOp.Not && n.FlagsLive)
                    Produced();
                else if (n.Op != GuestOp.Not)
                    FlagsDead();
                StoreOp0(in n, size, R8);
                break;
            case GuestOp.Shl or GuestOp.Shr or GuestOp.Sar or GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl:
                EmitShift(in n, size);
                break;
            case GuestOp.Imul:
                EmitImul(in n, size);
                break;
            case GuestOp.Rol or GuestOp.Ror:
                EmitRotate(in n, size);
                break;
            case GuestOp.DoubleShift:
                EmitDoubleShift(in n, size);
                break;
            case GuestOp.RepStos or GuestOp.RepMovs:
                EmitRepString(in n);
                break;
            case GuestOp.Cli or GuestOp.Sti:
                EmitInterruptFlag(in n);
                break;
            case GuestOp.Rdtsc:
                EmitRdtsc(in n);
                break;
            case GuestOp.Div:
                EmitDiv(in n, size);
                break;
            case GuestOp.MulWide:
                EmitMulWide(in n, size);
                break;
            case GuestOp.ConvertAccumulator:
                EmitConvertAccumulator(in n);
                break;
            case GuestOp.Bswap:
                EmitBswap(in n, size);
                break;
            case GuestOp.Cmpxchg:
                EmitCmpxchg(in n, size);
                break;
            case GuestOp.CmpxchgDouble:
                EmitCmpxchg16b(in n);
                break;
            case GuestOp.Xadd:
                EmitXadd(in n, size);
                break;
            case GuestOp.BitTest:
                EmitBitTest(in n, size);
                break;
            case GuestOp.Setcc:
                Access(in n, read: false, write: d.K0 == OperandKind.Memory);
                NeedHostFlags();
                Op(ConditionCodes.Setcc((ConditionCode)d.Cc), Register.R8L);
                StoreOp0(in n, 1, R8);
                break;
            case GuestOp.Cmovcc:
                {
                    Access(in n, read: d.K1 == OperandKind.Memory, write: false);
                    var moved = InPlace(in n); // a 32-bit CMOVcc zero-extends its destination whether or not it moves, in both
                    if (moved == R8)
                        Load(in n, 0, size, R8);
                    NeedHostFlags();
                    if (Cached(in n, 1) is var source && source != Register.None)
                        Op(ConditionCodes.Cmovcc((ConditionCode)d.Cc, size), Sized(moved, size), Sized(source, size));
                    else
                        Op(ConditionCodes.Cmovcc((ConditionCode)d.Cc, size), Sized(moved, size), Operand(in n, 1)); // read where it lies, as the guest's always is
                    if (moved == R8)
                        StoreOp0(in n, size, R8);
                    break;
                }
            case GuestOp.Jcc:
                {
                    NeedHostFlags();
                    SaveFlags();
                    var cc = (ConditionCode)d.Cc;
                    ConditionCodes.Jcc(_a, cc, InBlock(d.Target, out var t) ? _labels[t] : ChainExit(d.Target));
                    break;
                }
            case GuestOp.Push:
                EmitPush(in n);
                break;
            case GuestOp.Leave:
                EmitLeave(in n);
                break;
            case GuestOp.Pop:
                EmitPop(in n);
                break;
            case GuestOp.Pushf:
                EmitPushf(in n);
                break;
            case GuestOp.Call:
                EmitCall(in n);
                return;
            case GuestOp.CallIndirect:
                EmitCallIndirect(in n);
                return;
            case GuestOp.Ret:
                EmitRet(in n);
                return;
            case GuestOp.Jmp:
                if (InBlock(d.Target, out var target))
                {
                    SaveFlags();
                    _a.jmp(_labels[target]);
                }
                else
                    Leave(d.Target, 0);
                return;
        }
        EmitFallThrough(i, d.NextIP);
    }

    /// <summary>
    /// ADD, ADC, SUB, SBB, AND, OR, XOR, CMP and TEST: the host operation at the guest's size on operand 0 (its cached host
    /// register, else R8, stored after unless it only compares) and operand 1 (its cached host register, else where it lies:
    /// the register array or the memory operand; an immediate in the host instruction, or in R9 where it does not fit); the
    /// host's operation at the same size merges or zero-extends exactly as the guest's.
    /// </summary>
    private void EmitAlu(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        var writes = n.Op is not (GuestOp.Cmp or GuestOp.Test);
        Access(in n, read: d.K0 == OperandKind.Memory || d.K1 == OperandKind.Memory, write: writes && d.K0 == OperandKind.Memory);
        // A cached destination is operated on in place (TEST's result is only for its flags, so it goes through R8).
        var target = n.Op != GuestOp.Test && Cached(in n, 0) is var c && c != Register.None ? c : R8;
        if (target == R8)
            Load(in n, 0, size, R8);
        var source = Cached(in n, 1);
        var fromMemory = source == Register.None && d.I.Op1Kind is OpKind.Register or OpKind.Memory; // read where it lies
        var immediate = ImmediateOf(in n, 1, size);
        if (source == Register.None && !fromMemory && immediate is null)
        {
            Load(in n, 1, size, R9);
            source = R9;
        }
        if (n.Op is GuestOp.Adc or GuestOp.Sbb)
            NeedHostFlags();
        var form = n.Op switch
        {
            GuestOp.Add => HostForm.Add,
            GuestOp.Adc => HostForm.Adc,
            GuestOp.Sub => HostForm.Sub,
            GuestOp.Sbb => HostForm.Sbb,
            GuestOp.Cmp => HostForm.Cmp,
            GuestOp.Or => HostForm.Or,
            GuestOp.Xor => HostForm.Xor,
            _ => HostForm.And, // AND and TEST
        };
        if (fromMemory)
            Op(SizedCodes.FromMemory(form, size), Sized(target, size), Operand(in n, 1));
        else if (immediate is { } value)
            Op(SizedCodes.WithImmediate(form, size), Sized(target, size), value);
        else
            Op(SizedCodes.Of(form, size), Sized(target, size), Sized(source, size));
        if (!n.FlagsLive)
            FlagsDead();
        else if (n.Op is GuestOp.And or GuestOp.Or or GuestOp.Xor or GuestOp.Test)
        {
            // The SDM leaves AF undefined after a logic operation; the interpreter clears it (as QEMU's CC_OP_LOGIC does).
            // Adding 0 keeps the result and sets CF = OF = AF = 0 and ZF, SF, PF from it: exactly those flags.
            Op(SizedCodes.Of(HostForm.AddImm8, size), Sized(target, size), 0);
        }
        if (n.FlagsLive)
            Produced();
        if (writes && target == R8)
            StoreOp0(in n, size, R8);
    }

    /// <summary>
    /// IMUL r, r/m and IMUL r, r/m, imm (16, 32 and 64 bits): the host's two-operand IMUL of the same size gives the
    /// truncated product and CF = OF, set when the signed product does not fit (SDM Vol. 2A IMUL). SF, ZF, PF and AF are
    /// undefined there; the interpreter takes SF, ZF and PF from the result and clears AF (<see cref="Arithmetic.Imul"/>),
    /// which ADD 0 gives, CF and OF then ORed back in.
    /// </summary>
    private void EmitImul(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        Access(in n, read: d.K1 == OperandKind.Memory, write: false);
        var three = d.I.OpCount == 3;
        if (!three && Cached(in n, 0) is var product && product != Register.None)
        {
            // A cached destination multiplies in place (its 16-bit form merges and its 32-bit form zero-extends, as the guest's).
            if (Cached(in n, 1) is var factor && factor != Register.None)
                Op(SizedCodes.Of(HostForm.Imul, size), Sized(product, size), Sized(factor, size));
            else
                Op(SizedCodes.Of(HostForm.Imul, size), Sized(product, size), Operand(in n, 1)); // read where it lies
            if (n.FlagsLive)
                SaveMultiplyFlags(size, product);
            else
                FlagsDead();
            return;
        }
        Load(in n, three ? 1 : 0, size, R8);
        Load(in n, three ? 2 : 1, size, R9);
        Op(SizedCodes.Of(HostForm.Imul, size), Sized(R8, size), Sized(R9, size));
        if (!n.FlagsLive)
        {
            FlagsDead();
            StoreOp0(in n, size, R8);
            return;
        }
        SaveMultiplyFlags(size);
        StoreOp0(in n, size, R8);
    }

    /// <summary>MOVZX/MOVSX/MOVSXD: the source's and the destination's sizes in bytes.</summary>
    private static (int From, int To) ExtendSizes(in DecodedInstruction d)
        => (d.K1 == OperandKind.Memory ? d.MemSize : X86Cpu.GprInfo(d.I.Op1Register).Width, d.OpSize);
}
