namespace LoaderHarness.Emulator.Arm64;

/// <summary>Operand shapes of branches, exception generation and system instructions (Arm ARM C4.1.85).</summary>
internal static unsafe partial class A64Decoder
{
    /// <summary>No operands beyond the word (hints, barriers, prefetches).</summary>
    private static bool NoOperands(uint w, ref A64Instruction d) => true;

    /// <summary>B, BL: imm26 words from the instruction.</summary>
    private static bool BranchImmediate(uint w, ref A64Instruction d)
    {
        d.Imm = SignExtend((w & 0x3FF_FFFF) << 2, 28);
        return true;
    }

    /// <summary>CBZ, CBNZ: Rt (XZR reads zero), imm19 words.</summary>
    private static bool CompareAndBranch(uint w, ref A64Instruction d)
    {
        d.Is64 = (w >> 31) != 0;
        d.Rn = ReadZr(w);
        d.Imm = SignExtend(((w >> 5) & 0x7FFFF) << 2, 21);
        return true;
    }

    /// <summary>TBZ, TBNZ: Rt, the bit number b5:b40 in <see cref="A64Instruction.Size"/>, imm14 words.</summary>
    private static bool TestAndBranch(uint w, ref A64Instruction d)
    {
        d.Rn = ReadZr(w);
        d.Size = (byte)(((w >> 31) << 5) | ((w >> 19) & 31));
        d.Imm = SignExtend(((w >> 5) & 0x3FFF) << 2, 16);
        return true;
    }

    /// <summary>B.cond: the condition in <see cref="A64Instruction.Op"/>, imm19 words.</summary>
    private static bool ConditionalBranch(uint w, ref A64Instruction d)
    {
        d.Op = (byte)(w & 0xF);
        d.Imm = SignExtend(((w >> 5) & 0x7FFFF) << 2, 21);
        return true;
    }

    /// <summary>SVC, HVC, SMC, BRK: imm16.</summary>
    private static bool ExceptionImmediate(uint w, ref A64Instruction d)
    {
        d.Imm = (w >> 5) & 0xFFFF;
        return true;
    }

    /// <summary>BR, BLR, RET, ERET: Rn.</summary>
    private static bool RegisterTarget(uint w, ref A64Instruction d)
    {
        d.Rn = ReadZr(w >> 5);
        return true;
    }

    /// <summary>MSR (immediate): op1:op2 (the PSTATE field) in <see cref="A64Instruction.Op"/>, CRm as the immediate.</summary>
    private static bool PstateField(uint w, ref A64Instruction d)
    {
        d.Op = (byte)((((w >> 16) & 7) << 3) | ((w >> 5) & 7));
        d.Imm = (w >> 8) & 0xF;
        return true;
    }

    /// <summary>A SYS operation taking Xt as an address (DC ZVA).</summary>
    private static bool SystemOperand(uint w, ref A64Instruction d)
    {
        d.Rn = ReadZr(w);
        return true;
    }

    /// <summary>
    /// AT S1E1R/W, S1E0R/W (op1 0) and S1E2R/W (op1 4): the stage-1 regime in <see cref="A64Instruction.Op"/>
    /// (0 EL0, 1 EL1, 2 EL2; the PAN variants in CRm 9 act as S1E1), write in <see cref="A64Instruction.Size"/>.
    /// </summary>
    private static bool AddressTranslation(uint w, ref A64Instruction d)
    {
        uint op1 = (w >> 16) & 7, crm = (w >> 8) & 0xF, op2 = (w >> 5) & 7;
        d.Rn = ReadZr(w);
        d.Op = (byte)(op1 == 4 ? 2 : op2 is 2 or 3 && crm == 8 ? 0 : 1);
        d.Size = (byte)(op2 & 1);
        return true;
    }

    /// <summary>DC, IC and TLBI operations: Xt, and the operation's name numbered by <see cref="MaintenanceRegistry"/>.</summary>
    private static bool Maintenance(uint w, ref A64Instruction d)
    {
        d.Rn = ReadZr(w);
        d.Imm = (ulong)MaintenanceRegistry.Id(MaintenanceName(w));
        return true;
    }

    /// <summary>MRS, MSR (register): the register's slot in <see cref="SystemRegisterTable"/>; declines registers it lacks.</summary>
    private static bool SystemRegister(uint w, ref A64Instruction d)
    {
        var slot = SystemRegisterTable.Find((ushort)((w >> 5) & 0xFFFF));
        if (slot < 0)
            return false;
        var read = ((w >> 21) & 1) != 0;
        d.Imm = (ulong)slot;
        d.Rd = read ? WriteZr(w) : ReadZr(w);
        return true;
    }

    /// <summary>
    /// MRS of an unlisted register in the ID space (op0 3, op1 0, CRn 0, CRm 1-7), which reads as zero
    /// (Arm ARM D19.2, "reserved ID registers are RAZ").
    /// </summary>
    private static bool ReservedIdRegister(uint w, ref A64Instruction d)
    {
        var key = (ushort)((w >> 5) & 0xFFFF);
        if (SystemRegisterTable.Find(key) >= 0 || !SystemRegisterTable.IsIdSpace(key))
            return false;
        d.Rd = WriteZr(w);
        return true;
    }

    /// <summary>"dc civac", "tlbi vmalle1": Capstone's mnemonic and operation, without the register operand.</summary>
    private static string MaintenanceName(uint w)
    {
        var text = CapstoneA64.Describe(w);
        if (text is null)
            return $"sys #{(w >> 16) & 7}, c{(w >> 12) & 0xF}, c{(w >> 8) & 0xF}, #{(w >> 5) & 7}";
        var operation = text.Operands.Split(',')[0].Trim();
        return text.Mnemonic == "sys" || operation.Length == 0 ? text.ToString() : $"{text.Mnemonic} {operation}";
    }
}
