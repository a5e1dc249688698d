using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64.Legacy;

/// <summary>Branches, exception generation and system instructions (Arm ARM C4.1.85).</summary>
internal static unsafe partial class LegacyA64Decoder
{
    private static bool BranchesAndSystem(uint w, ref A64Instruction d)
    {
        var rt = w & 31;
        if (((w >> 26) & 0x1F) == 0b00101)
        {
            d.Imm = SignExtend((w & 0x3FF_FFFF) << 2, 28);
            d.Handler = (w >> 31) != 0 ? &Branches.BranchLink : (d.Imm == 0 ? &Branches.BranchSelf : &Branches.Branch);
            return true;
        }
        if (((w >> 25) & 0x3F) == 0b011010)
        {
            d.Is64 = (w >> 31) != 0;
            d.Rn = ReadZr(rt);
            d.Imm = SignExtend(((w >> 5) & 0x7FFFF) << 2, 21);
            d.Handler = ((w >> 24) & 1) != 0 ? &Branches.Cbnz : &Branches.Cbz;
            return true;
        }
        if (((w >> 25) & 0x3F) == 0b011011)
        {
            d.Rn = ReadZr(rt);
            d.Size = (byte)(((w >> 31) << 5) | ((w >> 19) & 31));
            d.Imm = SignExtend(((w >> 5) & 0x3FFF) << 2, 16);
            d.Handler = ((w >> 24) & 1) != 0 ? &Branches.Tbnz : &Branches.Tbz;
            return true;
        }
        if ((w >> 24) == 0x54)
        {
            if (((w >> 4) & 1) != 0)
                return false;
            d.Op = (byte)(w & 0xF);
            d.Imm = SignExtend(((w >> 5) & 0x7FFFF) << 2, 21);
            d.Handler = &Branches.BranchConditional;
            return true;
        }
        if ((w >> 24) == 0xD4)
            return ExceptionGeneration(w, ref d);
        if ((w >> 22) == 0x354)
            return System(w, ref d);
        if ((w >> 25) == 0x6B)
            return BranchRegister(w, ref d);
        return false;
    }

    private static bool ExceptionGeneration(uint w, ref A64Instruction d)
    {
        var opc = (w >> 21) & 7;
        var ll = w & 3;
        if (((w >> 2) & 7) != 0)
            return false;
        d.Imm = (w >> 5) & 0xFFFF;
        switch ((opc, ll))
        {
            case (0, 1):
                d.Handler = &SystemInstructions.Svc;
                return true;
            case (0, 2):
                d.Handler = &SystemInstructions.Hvc;
                return true;
            case (0, 3):
                d.Handler = &SystemInstructions.Smc;
                return true;
            case (1, 0):
                d.Handler = &SystemInstructions.Brk;
                return true;
            default:
                return false;
        }
    }

    private static bool BranchRegister(uint w, ref A64Instruction d)
    {
        var opc = (w >> 21) & 0xF;
        var rn = (w >> 5) & 31;
        if (((w >> 16) & 31) != 31 || ((w >> 10) & 0x3F) != 0 || (w & 31) != 0)
            return false; // pointer-authenticated forms
        d.Rn = ReadZr(rn);
        switch (opc)
        {
            case 0:
                d.Handler = &Branches.BranchRegister;
                return true;
            case 1:
                d.Handler = &Branches.BranchLinkRegister;
                return true;
            case 2:
                d.Handler = &Branches.Return;
                return true;
            case 4 when rn == 31:
                d.Handler = &SystemInstructions.Eret;
                return true;
            default:
                return false;
        }
    }

    private static bool System(uint w, ref A64Instruction d)
    {
        var read = ((w >> 21) & 1) != 0;
        var op0 = (w >> 19) & 3;
        uint op1 = (w >> 16) & 7, crn = (w >> 12) & 0xF, crm = (w >> 8) & 0xF, op2 = (w >> 5) & 7, rt = w & 31;
        if (op0 == 0)
        {
            if (read || rt != 31)
                return false;
            if (crn == 2 && op1 == 3)
                return Hint(ref d, (crm << 3) | op2);
            if (crn == 3 && op1 == 3)
                return Barrier(ref d, op2);
            if (crn == 4)
            {
                d.Op = (byte)((op1 << 3) | op2);
                d.Imm = crm;
                d.Handler = &SystemInstructions.MsrImmediate;
                return true;
            }
            return false;
        }
        if (op0 == 1)
            return !read && SystemOperation(w, ref d, op1, crn, crm, op2, rt);

        var key = (ushort)((w >> 5) & 0xFFFF);
        var slot = SystemRegisterTable.Find(key);
        if (slot < 0)
        {
            if (!read || !SystemRegisterTable.IsIdSpace(key))
                return false;
            d.Rd = WriteZr(rt);
            d.Handler = &SystemInstructions.MrsReadAsZero;
            return true;
        }
        d.Imm = (ulong)slot;
        d.Rd = read ? WriteZr(rt) : ReadZr(rt);
        d.Handler = read ? &SystemInstructions.Mrs : &SystemInstructions.Msr;
        return true;
    }

    private static bool Hint(ref A64Instruction d, uint number)
    {
        d.Handler = number switch
        {
            2 => &SystemInstructions.Wfe,
            3 => &SystemInstructions.Wfi,
            4 or 5 => &SystemInstructions.Sev,
            // NOP, YIELD, ESB, CSDB and, without FEAT_PAuth/FEAT_BTI, the PAC and BTI hints.
            _ => &SystemInstructions.Nop,
        };
        return true;
    }

    private static bool Barrier(ref A64Instruction d, uint op2)
    {
        switch (op2)
        {
            case 2:
                d.Handler = &SystemInstructions.Clrex;
                return true;
            case 4:
            case 5:
            case 6:
                // DSB, DMB, ISB: one CPU, in order, with a coherent decoded-code cache.
                d.Handler = &SystemInstructions.Nop;
                return true;
            default:
                return false;
        }
    }

    private static bool SystemOperation(uint w, ref A64Instruction d, uint op1, uint crn, uint crm, uint op2, uint rt)
    {
        d.Rn = ReadZr(rt);
        if (crn == 7 && crm == 4 && op1 == 3 && op2 == 1)
        {
            d.Handler = &SystemInstructions.DcZva;
            return true;
        }
        if (crn == 7 && crm is 8 or 9 && op2 < 4 && op1 is 0 or 4)
        {
            // AT S1E1R/W, S1E0R/W (op1 0) and S1E2R/W (op1 4); the PAN variants (CRm 9) act as S1E1.
            d.Op = (byte)(op1 == 4 ? 2 : op2 is 2 or 3 && crm == 8 ? 0 : 1);
            d.Size = (byte)(op2 & 1);
            d.Handler = &SystemInstructions.AddressTranslate;
            return true;
        }
        var cacheOperation = crn == 7 && crm is 1 or 5 or 6 or 10 or 11 or 12 or 13 or 14;
        if (!cacheOperation && crn != 8)
            return false;
        d.Imm = (ulong)MaintenanceRegistry.Id(MaintenanceName(w, op1, crn, crm, op2));
        d.Handler = crn == 8 ? &SystemInstructions.Tlbi : &SystemInstructions.CacheMaintenance;
        return true;
    }

    /// <summary>"dc civac", "tlbi vmalle1": Capstone's mnemonic and operation, without the register operand.</summary>
    private static string MaintenanceName(uint w, uint op1, uint crn, uint crm, uint op2)
    {
        var text = CapstoneA64.Describe(w);
        if (text is null)
            return $"sys #{op1}, c{crn}, c{crm}, #{op2}";
        var operation = text.Operands.Split(',')[0].Trim();
        return text.Mnemonic == "sys" || operation.Length == 0 ? text.ToString() : $"{text.Mnemonic} {operation}";
    }
}
