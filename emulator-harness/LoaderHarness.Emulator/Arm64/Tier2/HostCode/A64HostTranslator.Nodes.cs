using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>Each guest instruction's host code: the operands in RAX and RCX, the host operation at the guest's width, the result stored.</summary>
internal sealed partial class A64HostTranslator
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
        if (A64OpClassifier.IsBranch(n.Op))
        {
            EmitBranch(i, in n);
            return;
        }
        if (A64OpClassifier.AccessesMemory(n.Op))
            EmitMemory(in n);
        else
            EmitOperation(in n);
        EmitFallThrough(i, n.Pc + 4);
    }

    private void EmitOperation(in A64Node n)
    {
        ref readonly var d = ref n.D;
        switch (n.Op)
        {
            case A64Op.Nop:
                return;
            case A64Op.AddImm or A64Op.SubImm or A64Op.AddsImm or A64Op.SubsImm
                or A64Op.AddSh or A64Op.SubSh or A64Op.AddsSh or A64Op.SubsSh
                or A64Op.AddExt or A64Op.SubExt or A64Op.AddsExt or A64Op.SubsExt:
                EmitAddSub(in n);
                return;
            case A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm
                or A64Op.AndSh or A64Op.OrrSh or A64Op.EorSh or A64Op.AndsSh:
                EmitLogical(in n);
                return;
            case A64Op.AddSubCarry:
                EmitAddSubCarry(in n);
                return;
            case A64Op.CondCompare:
                EmitConditionalCompare(in n);
                return;
            case A64Op.CondSelect:
                EmitConditionalSelect(in n);
                return;
            case A64Op.Movz:
                StoreConstant(d.Rd, d.Imm);
                return;
            case A64Op.Movn:
                StoreConstant(d.Rd, d.Is64 ? ~d.Imm : (uint)~d.Imm);
                return;
            case A64Op.Movk:
                Clobber();
                Load(rax, d.Rd == Arm64Cpu.Discard ? Arm64Cpu.Zr : d.Rd);
                MovConstant(rcx, ~(0xFFFFUL << d.Size));
                _a.and(rax, rcx);
                MovConstant(rcx, d.Imm);
                _a.or(rax, rcx);
                if (!d.Is64)
                    _a.mov(eax, eax);
                Store(d.Rd, rax);
                return;
            case A64Op.Adr:
                StoreConstant(d.Rd, n.Pc + d.Imm);
                return;
            case A64Op.Adrp:
                StoreConstant(d.Rd, (n.Pc & ~0xFFFUL) + d.Imm);
                return;
            case A64Op.Mrs:
                EmitMrs(in n);
                return;
            case A64Op.Helper:
                EmitHelper(in n);
                return;
            default:
                Clobber();
                EmitBits(in n);
                return;
        }
    }

    /// <summary>ADD and SUB of every form: RAX = Rn op the second operand, at the width, with NZCV from the host's flags for the S forms that need them.</summary>
    private void EmitAddSub(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var sub = n.Op is A64Op.SubImm or A64Op.SubsImm or A64Op.SubSh or A64Op.SubsSh or A64Op.SubExt or A64Op.SubsExt;
        var flags = A64OpClassifier.WritesFlags(n.Op);
        if (flags)
            FlagsDead(); // replaced here: produced again below when something reads them
        else
            Clobber();
        Load(rax, d.Rn);
        var immediate = n.Op is A64Op.AddImm or A64Op.SubImm or A64Op.AddsImm or A64Op.SubsImm;
        if (!immediate)
        {
            if (n.Op is A64Op.AddExt or A64Op.SubExt or A64Op.AddsExt or A64Op.SubsExt)
                ExtendedOperand(rcx, d.Rm, d.Op, d.Size);
            else
                ShiftedOperand(d.Rm, d.Op, d.Size, d.Is64);
        }
        var y = (int)d.Imm; // ADD/SUB (immediate): imm12, shifted by 12 at most
        switch ((sub, d.Is64, immediate))
        {
            case (false, true, true): _a.add(rax, y); break;
            case (false, true, false): _a.add(rax, rcx); break;
            case (false, false, true): _a.add(eax, y); break;
            case (false, false, false): _a.add(eax, ecx); break;
            case (true, true, true): _a.sub(rax, y); break;
            case (true, true, false): _a.sub(rax, rcx); break;
            case (true, false, true): _a.sub(eax, y); break;
            default: _a.sub(eax, ecx); break;
        }
        if (flags && n.FlagsLive)
        {
            if (sub)
                _a.cmc(); // A64's C is NOT borrow
            Produced();
        }
        Store(d.Rd, rax);
    }

    /// <summary>AND, ORR, EOR and ANDS (BIC, ORN, EON and BICS invert the shifted operand); ANDS' C and V are 0, as the host's AND leaves CF and OF.</summary>
    private void EmitLogical(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var flags = n.Op is A64Op.AndsImm or A64Op.AndsSh;
        if (flags)
            FlagsDead();
        else
            Clobber();
        Load(rax, d.Rn);
        if (n.Op is A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm)
            MovConstant(rcx, d.Is64 ? d.Imm : (uint)d.Imm);
        else
        {
            ShiftedOperand(d.Rm, d.Op, d.Size, d.Is64);
            if (d.Ra != 0)
                _a.not(rcx);
        }
        switch (n.Op, d.Is64)
        {
            case (A64Op.OrrImm or A64Op.OrrSh, true): _a.or(rax, rcx); break;
            case (A64Op.OrrImm or A64Op.OrrSh, false): _a.or(eax, ecx); break;
            case (A64Op.EorImm or A64Op.EorSh, true): _a.xor(rax, rcx); break;
            case (A64Op.EorImm or A64Op.EorSh, false): _a.xor(eax, ecx); break;
            case (_, true): _a.and(rax, rcx); break;
            default: _a.and(eax, ecx); break;
        }
        if (flags && n.FlagsLive)
            Produced();
        Store(d.Rd, rax);
    }

    /// <summary>ADC, ADCS, SBC, SBCS (<c>Op</c> bit 0 subtract, bit 1 set flags): the host's ADC of Rn and Rm (inverted to subtract) with CF = C, AddWithCarry exactly.</summary>
    private void EmitAddSubCarry(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var setFlags = (d.Op & 2) != 0;
        NeedHostFlags();
        if (!setFlags)
            SaveFlags(); // ADC changes RFLAGS but not NZCV
        Load(rax, d.Rn);
        Load(rcx, d.Rm);
        if ((d.Op & 1) != 0)
            _a.not(rcx);
        if (d.Is64)
            _a.adc(rax, rcx);
        else
            _a.adc(eax, ecx);
        if (setFlags)
            Produced();
        else
            _flags.InHost = false;
        Store(d.Rd, rax);
    }

    /// <summary>CCMP, CCMN: the comparison's flags when the condition holds, else the instruction's own nzcv (<c>Imm2</c>); nothing when no one reads them.</summary>
    private void EmitConditionalCompare(in A64Node n)
    {
        ref readonly var d = ref n.D;
        if (!n.FlagsLive)
        {
            FlagsDead();
            return;
        }
        var other = _a.CreateLabel();
        var done = _a.CreateLabel();
        if (HostCondition(d.Op) is { } cc)
            ConditionCodes.Jcc(_a, Negated(cc), other);
        var sub = d.Ra != 0;
        Load(rax, d.Rn);
        if (d.Size != 0)
            MovConstant(rcx, d.Imm);
        else
            Load(rcx, d.Rm);
        switch (sub, d.Is64)
        {
            case (true, true): _a.sub(rax, rcx); break;
            case (true, false): _a.sub(eax, ecx); break;
            case (false, true): _a.add(rax, rcx); break;
            default: _a.add(eax, ecx); break;
        }
        if (sub)
            _a.cmc();
        _a.jmp(done);
        _a.Label(ref other);
        // nzcv as the state block's word, into RFLAGS as NeedHostFlags loads it.
        _a.mov(eax, (int)Arm64Cpu.PackNzcv((uint)d.Imm2 << 28));
        _a.add(al, 0x7F);
        _a.sahf();
        _a.Label(ref done);
        Produced();
    }

    /// <summary>CSEL, CSINC, CSINV, CSNEG (<c>Ra</c> bit 1 invert, bit 0 increment): Rn, or the changed Rm through a CMOV on the negated condition.</summary>
    private void EmitConditionalSelect(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var cc = HostCondition(d.Op);
        Load(rax, d.Rn);
        if (cc is { } holds)
        {
            Load(rcx, d.Rm);
            if ((d.Ra & 2) != 0)
                _a.not(rcx);
            if ((d.Ra & 1) != 0)
                _a.lea(rcx, __[rcx + 1]);
            _a.AddInstruction(Instruction.Create(ConditionCodes.Cmovcc(Negated(holds), d.Is64 ? 8 : 4), d.Is64 ? Register.RAX : Register.EAX, d.Is64 ? Register.RCX : Register.ECX));
        }
        if (!d.Is64)
            _a.mov(eax, eax);
        Store(d.Rd, rax);
    }
}
