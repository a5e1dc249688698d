using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>Exception entry to VBAR_ELx and exception return (Arm ARM DDI 0487, D1.10 and D1.11).</summary>
public sealed unsafe partial class Arm64Cpu
{
    /// <summary>The most recent exception taken, if any.</summary>
    public Arm64ExceptionRecord? LastException { get; private set; }

    /// <summary>Exceptions taken over the CPU's lifetime.</summary>
    public ulong ExceptionsTaken { get; private set; }

    private ulong _lastVector = ulong.MaxValue;
    private ulong _instructionsAtLastException;

    /// <summary>Exception deliveries counted against the budget (not instructions: the recursion check leaves them out).</summary>
    private ulong _deliveries;

    /// <summary>Counts a delivery of an abort taken outside an instruction's handler as one instruction of the budget.</summary>
    private void CountDelivery()
    {
        _run.Executed++;
        _deliveries++;
    }

    /// <summary>The EL a synchronous exception from the current EL goes to (no EL3; HCR_EL2.TGE is not modelled).</summary>
    internal int SyncTargetEl => ExceptionLevel == 2 ? 2 : 1;

    /// <summary>
    /// Takes a synchronous exception to <paramref name="targetEl"/>: saves PSTATE and the return address
    /// in SPSR/ELR, writes ESR (IL set: every A64 instruction is 32 bits) and FAR, masks DAIF, selects
    /// SP_ELx and continues at the vector for "current EL with SPx", "current EL with SP0" or "lower EL".
    /// </summary>
    internal void TakeException(int targetEl, uint exceptionClass, uint syndrome, ulong faultAddress, ulong returnAddress)
    {
        if (returnAddress == _lastVector && TotalInstructions - _deliveries == _instructionsAtLastException)
        {
            Stop(StopReason.RecursiveException,
                $"exception EC 0x{exceptionClass:x} at its own vector 0x{returnAddress:x} (VBAR_EL{targetEl} = 0x{_sys[targetEl == 2 ? VbarEl2 : VbarEl1]:x})");
            NextPc = returnAddress;
            return;
        }
        var fromEl = ExceptionLevel;
        ulong offset = fromEl < targetEl ? 0x400UL : SpSel ? 0x200UL : 0;
        var esr = (exceptionClass << 26) | (1u << 25) | (syndrome & 0x1FF_FFFF);
        var el2 = targetEl == 2;
        _sys[el2 ? SpsrEl2 : SpsrEl1] = GetPstate();
        _sys[el2 ? ElrEl2 : ElrEl1] = returnAddress;
        _sys[el2 ? EsrEl2 : EsrEl1] = esr;
        if (exceptionClass is ExceptionClass.DataAbortLower or ExceptionClass.DataAbortSame
            or ExceptionClass.InstructionAbortLower or ExceptionClass.InstructionAbortSame or ExceptionClass.PcAlignment)
            _sys[el2 ? FarEl2 : FarEl1] = faultAddress;
        else
            faultAddress = 0;
        var vector = (_sys[el2 ? VbarEl2 : VbarEl1] & ~0x7FFUL) + offset;
        SetPstate(((ulong)Nzcv) | Arm64Pstate.DaifMask | (uint)(targetEl << 2) | 1);
        ClearExclusiveMonitor();
        NextPc = vector;
        _lastVector = vector;
        _instructionsAtLastException = TotalInstructions - _deliveries;
        ExceptionsTaken++;
        LastException = new Arm64ExceptionRecord(fromEl, targetEl, esr, faultAddress, returnAddress, vector);
    }

    /// <summary>ERET: PC from ELR_ELx, PSTATE from SPSR_ELx; a return to a higher EL or to AArch32 is not supported.</summary>
    internal void ExceptionReturn()
    {
        var el2 = ExceptionLevel == 2;
        var spsr = _sys[el2 ? SpsrEl2 : SpsrEl1];
        var target = (int)(spsr >> 2) & 3;
        if ((spsr & 0x10) != 0 || target > ExceptionLevel || (target == 2 && !GuestOwnsEl2 && ExceptionLevel != 2))
            ThrowStop(StopReason.Unimplemented, $"eret with SPSR_EL{ExceptionLevel} = 0x{spsr:x} (illegal return or AArch32)");
        NextPc = _sys[el2 ? ElrEl2 : ElrEl1];
        SetPstate(spsr);
        ClearExclusiveMonitor();
    }
}
