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
                    if (Cached(in n, 1) is var source && source != Register.None)
                        Op(SizedCodes.Extend(n.Op == GuestOp.Movsx, from, to), Sized(R9, to), Sized(source, from));
                    else
                        Op(SizedCodes.Extend(n.Op == GuestOp.Movsx, from, to), Sized(R9, to), Operand(in n, 1));
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
                Access(in n, read: d.K1 == OperandKind.Memory, write: false);
                Load(in n, 0, size, R8);
                Load(in n, 1, size, R9);
                NeedHostFlags();
                Op(ConditionCodes.Cmovcc((ConditionCode)d.Cc, size), Sized(R8, size), Sized(R9, size));
                StoreOp0(in n, size, R8); // a 32-bit CMOVcc zero-extends its destination whether or not it moves, in both
                break;
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
    /// register, else R8, stored after unless it only compares) and operand 1 (its cached host register, else R9); the
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
        if (source == Register.None)
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
    /// SHL, SHR, SAR by an immediate count below the operand's width, or by CL at 32 and 64 bits (whose masked count is
    /// below the width too): the host shift gives the result, CF, ZF, SF and PF; AF (undefined) is cleared and OF computed
    /// as the interpreter does for every count (the SDM defines it only for a count of 1, as MSB(result) XOR CF, the
    /// operand's MSB, and 0). Saved at once, since that arithmetic clobbers RFLAGS. A masked CL of 0 changes nothing,
    /// flags included (SDM Vol. 2B SAL/SAR/SHL/SHR, Flags Affected): that path skips the shift and the store.
    /// </summary>
    private void EmitShift(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        var byCl = n.Op is GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl;
        Access(in n, read: d.K0 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
        var unchanged = _a.CreateLabel();
        if (byCl)
        {
            SaveFlags(); // the path that changes nothing finds them in the state block
            Load(in n, 1, 4, Register.RCX);
            _a.and(ecx, size == 8 ? 0x3F : 0x1F);
            _a.jz(unchanged);
        }
        Load(in n, 0, size, R8);
        var form = n.Op switch
        {
            GuestOp.Shl => HostForm.Shl,
            GuestOp.Shr => HostForm.Shr,
            GuestOp.Sar => HostForm.Sar,
            GuestOp.ShlCl => HostForm.ShlCl,
            GuestOp.ShrCl => HostForm.ShrCl,
            _ => HostForm.SarCl,
        };
        if (n.FlagsLive)
            _a.mov(rdi, r8); // the operand, for OF; the address is no longer needed once the pointers are in RSI and RDX
        if (byCl)
            Op(SizedCodes.Of(form, size), Sized(R8, size), Register.CL);
        else
            Op(SizedCodes.Of(form, size), Sized(R8, size), GuestBlock.ShiftCount(in d));
        if (!n.FlagsLive)
        {
            FlagsDead();
            StoreOp0(in n, size, R8);
            _a.Label(ref unchanged);
            _a.zero_bytes();
            return;
        }
        _a.lahf();
        _a.and(eax, 0xFF00 & ~((int)FlagBits.AF << 8)); // AF cleared, OF (AL) 0 until computed
        if (form is not (HostForm.Sar or HostForm.SarCl))
        {
            var left = form is HostForm.Shl or HostForm.ShlCl;
            _a.mov(rcx, left ? r8 : rdi);
            _a.shr(rcx, (byte)(size * 8 - 1));
            if (left)
            {
                _a.movzx(edi, ah); // CF is its bit 0; RDI (the operand) is not needed for a left shift
                _a.xor(ecx, edi);
            }
            OrOverflow(rax, rcx);
        }
        SaveComputedFlags();
        StoreOp0(in n, size, R8);
        _a.Label(ref unchanged);
        _a.zero_bytes(); // Iced takes one label per instruction: the next node may start a basic block with its own
    }

    /// <summary>
    /// ROL and ROR by an immediate count at 32 and 64 bits (masked to 5 or 6 bits, so below the width; 0 is a NOP the
    /// front end drops): the host rotate gives the result and CF (the bit rotated into it); SF, ZF, AF and PF are kept
    /// (SDM Vol. 2B RCL/RCR/ROL/ROR, Flags Affected). OF is defined there for a count of 1 only; the interpreter gives
    /// every count that formula (<c>Shifts.Rol</c>, <c>Shifts.Ror</c>): MSB(result) XOR CF for ROL, the result's two
    /// top bits XORed for ROR.
    /// </summary>
    private void EmitRotate(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        Access(in n, read: d.K0 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
        var left = n.Op == GuestOp.Rol;
        if (!n.FlagsLive)
        {
            Load(in n, 0, size, R8);
            Op(SizedCodes.Of(left ? HostForm.Rol : HostForm.Ror, size), Sized(R8, size), GuestBlock.ShiftCount(in d));
            FlagsDead();
            StoreOp0(in n, size, R8);
            return;
        }
        SaveFlags();
        Load(in n, 0, size, R8);
        Op(SizedCodes.Of(left ? HostForm.Rol : HostForm.Ror, size), Sized(R8, size), GuestBlock.ShiftCount(in d));
        SavedFlagsWith(FlagBits.CF, overflowToo: true);
        _a.mov(rdi, r8);
        if (left)
        {
            _a.shr(rdi, (byte)(size * 8 - 1));
            _a.xor(edi, ecx);
        }
        else
        {
            _a.shr(rdi, (byte)(size * 8 - 2));
            _a.mov(ecx, edi);
            _a.shr(ecx, 1);
            _a.xor(edi, ecx);
        }
        OrOverflow(rax, rdi);
        SaveComputedFlags();
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

    /// <summary>
    /// After the host's multiplication, with its product (the low half) in R8: the flags as the interpreter records a
    /// multiplication's, CF = OF from the host's, SF, ZF and PF from the product and AF clear. Adding 0 sets those and clears
    /// CF and OF, and CF = OF is ORed back in.
    /// </summary>
    private void SaveMultiplyFlags(int size)
    {
        _a.setb(al); // CF = OF, AL as the packed flags hold OF
        Op(SizedCodes.Of(HostForm.AddImm8, size), Sized(R8, size), 0);
        _a.lahf();
        _a.or(ah, al); // CF
        SaveComputedFlags();
    }

    /// <summary>
    /// AX = the saved flags (<see cref="HostState.Flags"/>) with <paramref name="flag"/> (CF or ZF) replaced by the host's,
    /// and OF cleared when <paramref name="overflowToo"/> (for the caller to compute); ECX = that flag (0 or 1).
    /// </summary>
    private void SavedFlagsWith(ulong flag, bool overflowToo)
    {
        if (flag == FlagBits.CF)
            _a.setb(cl);
        else
            _a.sete(cl);
        _a.movzx(ecx, cl);
        _a.movzx(eax, __word_ptr[r12 + HostState.Flags * 8]);
        _a.and(eax, 0xFFFF & ~((int)flag << 8 | (overflowToo ? 1 : 0))); // the rest kept
        var shift = (byte)(8 + System.Numerics.BitOperations.Log2(flag)); // RFLAGS' low byte is the packed flags' second
        _a.shl(ecx, shift);
        _a.or(eax, ecx);
        _a.shr(ecx, shift);
    }

    /// <summary>ORs bit 0 of <paramref name="bit"/> into <paramref name="flags"/> as OF (bit 0 of <see cref="HostState.Flags"/>); the rest of <paramref name="bit"/> is scratch.</summary>
    private void OrOverflow(AssemblerRegister64 flags, AssemblerRegister64 bit)
    {
        _a.and(bit, 1);
        _a.or(flags, bit);
    }

    /// <summary>Stores AX, the guest's flags computed as <see cref="HostState.Flags"/> holds them: the state block holds them now, RFLAGS does not.</summary>
    private void SaveComputedFlags()
    {
        _a.mov(__word_ptr[r12 + HostState.Flags * 8], ax);
        _flags.Pending = false;
        _flags.InHost = false;
    }

    /// <summary>MOVZX/MOVSX/MOVSXD: the source's and the destination's sizes in bytes.</summary>
    private static (int From, int To) ExtendSizes(in DecodedInstruction d)
        => (d.K1 == OperandKind.Memory ? d.MemSize : X86Cpu.GprInfo(d.I.Op1Register).Width, d.OpSize);
}
