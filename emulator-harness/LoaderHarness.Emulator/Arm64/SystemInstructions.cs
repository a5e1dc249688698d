using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Hints, barriers, PSTATE and system-register moves, cache/TLB/address-translation operations, exception
/// generation and return, and the two handlers that end a run on words the engine cannot execute.
/// </summary>
internal static unsafe class SystemInstructions
{
    /// <summary>A word Capstone does not decode.</summary>
    public static void Undefined(Arm64Cpu c, ref A64Instruction d) =>
        c.StopBefore(StopReason.Unimplemented, $"undefined instruction 0x{d.Word:x8} at 0x{c.Pc:x}");

    /// <summary>An instruction Capstone decodes but the engine does not implement.</summary>
    public static void Unimplemented(Arm64Cpu c, ref A64Instruction d) =>
        c.StopBefore(StopReason.Unimplemented, $"{CapstoneA64.Describe(d.Word)} at 0x{c.Pc:x}");

    public static void Nop(Arm64Cpu c, ref A64Instruction d)
    {
    }

    /// <summary>WFI: waits for an interrupt, skipping virtual time to the next timer deadline; ends the run when nothing can wake the CPU.</summary>
    public static void Wfi(Arm64Cpu c, ref A64Instruction d) => c.WaitForInterrupt();

    /// <summary>WFE: consumes a pending event (SEV/SEVL), otherwise the CPU would sleep forever.</summary>
    public static void Wfe(Arm64Cpu c, ref A64Instruction d)
    {
        if (!c.ConsumeEvent())
            c.Stop(StopReason.Halt, $"wfe with no event pending at 0x{c.Pc:x}");
    }

    /// <summary>SEV and SEVL: set the event register (a single CPU is its own only observer).</summary>
    public static void Sev(Arm64Cpu c, ref A64Instruction d) => c.SignalEvent();

    public static void Clrex(Arm64Cpu c, ref A64Instruction d) => c.ClearExclusiveMonitor();

    /// <summary>MSR (immediate): <c>Op</c> = op1:op2 names the PSTATE field, <c>Imm</c> = CRm.</summary>
    public static void MsrImmediate(Arm64Cpu c, ref A64Instruction d)
    {
        var imm = (uint)d.Imm;
        switch (d.Op)
        {
            case 0b000_101:
                c.SetSpSel((imm & 1) != 0);
                break;
            case 0b011_110:
                c.Daif |= imm;
                break;
            case 0b011_111:
                c.Daif &= ~imm;
                break;
            case 0b000_011:
                c.SetKeptPstateBit(23, imm); // UAO
                break;
            case 0b000_100:
                c.SetKeptPstateBit(22, imm); // PAN
                break;
            case 0b011_001:
                c.SetKeptPstateBit(12, imm); // SSBS
                break;
            case 0b011_010:
                c.SetKeptPstateBit(24, imm); // DIT
                break;
            case 0b011_100:
                c.SetKeptPstateBit(25, imm); // TCO
                break;
            default:
                c.ThrowStop(StopReason.Unimplemented, $"{CapstoneA64.Describe(d.Word)}");
                break;
        }
    }

    /// <summary>MRS: <c>Imm</c> = register slot.</summary>
    public static void Mrs(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = c.ReadSystemRegister((int)d.Imm);

    /// <summary>MSR (register): <c>Imm</c> = register slot.</summary>
    public static void Msr(Arm64Cpu c, ref A64Instruction d) => c.WriteSystemRegister((int)d.Imm, c.R[d.Rd]);

    /// <summary>MRS of an unallocated ID register: reads as zero.</summary>
    public static void MrsReadAsZero(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = 0;

    public static void DcZva(Arm64Cpu c, ref A64Instruction d) => c.ZeroBlock(c.R[d.Rn]);

    /// <summary>DC and IC operations: no effect on this cache-less model, but counted (<c>Imm</c> = operation id).</summary>
    public static void CacheMaintenance(Arm64Cpu c, ref A64Instruction d) => c.RecordMaintenance((int)d.Imm);

    /// <summary>TLBI: the software TLB is dropped whole (by address, without voiding host code's links elsewhere), and the operation counted.</summary>
    public static void Tlbi(Arm64Cpu c, ref A64Instruction d)
    {
        if (MaintenanceRegistry.IsTlbiByAddress((int)d.Imm))
            c.FlushTlbAt(c.R[d.Rn]);
        else
            c.FlushTlb();
        c.RecordMaintenance((int)d.Imm);
    }

    /// <summary>AT S1E{0,1,2}{R,W}: <c>Op</c> = EL, <c>Size</c> = 1 for a write check.</summary>
    public static void AddressTranslate(Arm64Cpu c, ref A64Instruction d) => c.AddressTranslate(c.R[d.Rn], d.Op, d.Size != 0);

    public static void Svc(Arm64Cpu c, ref A64Instruction d) =>
        c.TakeException(c.SyncTargetEl, ExceptionClass.Svc, (uint)d.Imm, 0, c.Pc + 4);

    /// <summary>HVC: to the guest's EL2 when it owns it, otherwise a firmware (PSCI) call the harness answers.</summary>
    public static void Hvc(Arm64Cpu c, ref A64Instruction d)
    {
        if (c.ExceptionLevel == 0)
            c.TakeException(1, ExceptionClass.Unknown, 0, 0, c.Pc);
        else if (c.GuestOwnsEl2)
            c.TakeException(2, ExceptionClass.Hvc, (uint)d.Imm, 0, c.Pc + 4);
        else
            c.CallFirmware("hvc");
    }

    /// <summary>SMC: there is no EL3, so the harness answers as secure firmware (PSCI).</summary>
    public static void Smc(Arm64Cpu c, ref A64Instruction d)
    {
        if (c.ExceptionLevel == 0)
            c.TakeException(1, ExceptionClass.Unknown, 0, 0, c.Pc);
        else
            c.CallFirmware("smc");
    }

    /// <summary>BRK: a breakpoint exception with ELR at the BRK itself (Linux's BUG() uses it).</summary>
    public static void Brk(Arm64Cpu c, ref A64Instruction d) =>
        c.TakeException(c.SyncTargetEl, ExceptionClass.Brk, (uint)d.Imm, 0, c.Pc);

    public static void Eret(Arm64Cpu c, ref A64Instruction d)
    {
        if (c.ExceptionLevel == 0)
            c.TakeException(1, ExceptionClass.Unknown, 0, 0, c.Pc);
        else
            c.ExceptionReturn();
    }
}
