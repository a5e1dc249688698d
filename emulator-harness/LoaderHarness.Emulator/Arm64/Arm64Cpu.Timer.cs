using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Gic;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The generic timer (Arm ARM DDI 0487 D11.2 "The AArch64 view of the Generic Timer"): the system counter is
/// the retired-instruction count plus the ticks WFI let pass idle (one tick per instruction, so the guest sees
/// a core running at CNTFRQ_EL0 instructions per second, deterministically). Three timers — EL1 physical
/// (CNTP), virtual (CNTV, against CNTVCT = counter − CNTVOFF_EL2) and EL2 physical (CNTHP) — each assert their
/// output (a PPI line) while ENABLE is set, IMASK clear and the counter has reached CVAL (D11.2.4). The run
/// loop stops at the next deadline so the interrupt arrives on the right instruction, and WFI skips idle time
/// straight to it.
/// </summary>
public sealed partial class Arm64Cpu
{
    private const int PhysicalTimer = 0, VirtualTimer = 1, HypTimer = 2;
    private const ulong TimerEnable = 1, TimerMask = 2, TimerStatus = 4;
    private const ulong TimerStoredBits = TimerEnable | TimerMask;

    private static readonly int[] TimerControlSlots =
        [SystemRegisterTable.Slot("CNTP_CTL_EL0"), SystemRegisterTable.Slot("CNTV_CTL_EL0"), SystemRegisterTable.Slot("CNTHP_CTL_EL2")];
    private static readonly int[] TimerCompareSlots =
        [SystemRegisterTable.Slot("CNTP_CVAL_EL0"), SystemRegisterTable.Slot("CNTV_CVAL_EL0"), SystemRegisterTable.Slot("CNTHP_CVAL_EL2")];
    private static readonly int[] TimerValueSlots =
        [SystemRegisterTable.Slot("CNTP_TVAL_EL0"), SystemRegisterTable.Slot("CNTV_TVAL_EL0"), SystemRegisterTable.Slot("CNTHP_TVAL_EL2")];
    private static readonly GicCpuRegister[] GicRegisters = BuildGicRegisterMap();

    private readonly IInterruptLine?[] _timerLines = new IInterruptLine?[3];
    private ulong _idleTicks;

    /// <summary>Whether some timer is enabled and unmasked: only then does the run loop look for deadlines.</summary>
    private bool _timerArmed;

    /// <summary>The system counter (CNTPCT_EL0): retired instructions plus ticks skipped idle at WFI.</summary>
    public ulong Counter => TotalInstructions + _idleTicks;

    /// <summary>The GICv3 whose CPU interface answers ICC_* (attached by <see cref="ConnectGic(GicV3, ulong, ulong)"/>), if any.</summary>
    public GicV3? Gic { get; private set; }

    /// <summary>
    /// Wires the timers' outputs to PPI lines: EL1 physical (INTID 30), virtual (27), EL2 physical (26) as the
    /// DT timer node (Linux bindings timer/arm,arch_timer.yaml) and QEMU virt / Firecracker number them.
    /// </summary>
    public void ConnectTimers(IInterruptLine? physical, IInterruptLine? @virtual, IInterruptLine? hyp)
    {
        _timerLines[PhysicalTimer] = physical;
        _timerLines[VirtualTimer] = @virtual;
        _timerLines[HypTimer] = hyp;
        TimersChanged();
    }

    private ulong TimerCount(int timer) => timer == VirtualTimer ? Counter - _sys[CntvoffEl2] : Counter;

    private bool TimerConditionMet(int timer) =>
        (_sys[TimerControlSlots[timer]] & TimerEnable) != 0 && TimerCount(timer) >= _sys[TimerCompareSlots[timer]];

    private ulong ReadTimerControl(int slot)
    {
        var timer = Array.IndexOf(TimerControlSlots, slot);
        return _sys[slot] | (TimerConditionMet(timer) ? TimerStatus : 0);
    }

    /// <summary>TVAL reads CVAL − count as a signed 32-bit value (D11.2.4); the register is 64 bits wide, sign-extended.</summary>
    private ulong ReadTimerValue(int slot)
    {
        var timer = Array.IndexOf(TimerValueSlots, slot);
        return (ulong)(long)(int)(uint)(_sys[TimerCompareSlots[timer]] - TimerCount(timer));
    }

    /// <summary>TVAL writes set CVAL = count + SignExtend(value[31:0]).</summary>
    private void WriteTimerValue(int slot, ulong value)
    {
        var timer = Array.IndexOf(TimerValueSlots, slot);
        _sys[TimerCompareSlots[timer]] = TimerCount(timer) + (ulong)(long)(int)(uint)value;
        TimersChanged();
    }

    /// <summary>A timer register changed: outputs now, and the run loop recomputes the next deadline.</summary>
    private void TimersChanged()
    {
        UpdateTimers();
        _run.Break();
    }

    /// <summary>Drives each timer's line from its condition and mask; notes whether any deadline can come.</summary>
    private void UpdateTimers()
    {
        var armed = false;
        for (var t = 0; t < 3; t++)
        {
            var control = _sys[TimerControlSlots[t]];
            var live = (control & (TimerEnable | TimerMask)) == TimerEnable;
            armed |= live;
            _timerLines[t]?.Set(live && TimerConditionMet(t));
        }
        _timerArmed = armed;
    }

    /// <summary>Counter ticks until the first enabled, unmasked timer whose condition is not yet met fires; <see cref="ulong.MaxValue"/> for none.</summary>
    private ulong TicksToNextTimerEvent()
    {
        var next = ulong.MaxValue;
        for (var t = 0; t < 3; t++)
        {
            if ((_sys[TimerControlSlots[t]] & (TimerEnable | TimerMask)) != TimerEnable || _timerLines[t] is null)
                continue;
            var count = TimerCount(t);
            var compare = _sys[TimerCompareSlots[t]];
            if (compare > count)
                next = Math.Min(next, compare - count);
        }
        return next;
    }

    /// <summary>
    /// At a loop boundary: brings timer outputs up to date and lowers the loop's limit to the next deadline. A limit
    /// something dropped during this boundary's work (an interrupt taken from EL0 flushes the TLB, a line raised, a
    /// stop) stays dropped, so the loop comes back after one instruction, never beyond the budget.
    /// </summary>
    private void ServiceTimers()
    {
        UpdateTimers();
        var ticks = TicksToNextTimerEvent();
        if (_run.Limit > _run.Executed && ticks < _run.Limit - _run.Executed)
            _run.Limit = _run.Executed + ticks;
    }

    /// <summary>
    /// WFI (D1.16.2): returns at once when an interrupt is pending (even one PSTATE masks); otherwise lets
    /// virtual time pass to the next timer deadline, whose interrupt then wakes the CPU. With no timer armed
    /// nothing can ever wake it, so the run ends.
    /// </summary>
    internal void WaitForInterrupt()
    {
        if (_interruptInput is { IsAsserted: true })
            return;
        var ticks = TicksToNextTimerEvent();
        if (ticks == ulong.MaxValue)
        {
            Stop(StopReason.Halt, $"wfi at 0x{Pc:x} with no interrupt pending and no timer armed");
            return;
        }
        _idleTicks += ticks;
        UpdateTimers();
        _run.Break();
    }

    private static GicCpuRegister GicRegisterOf(int slot) => GicRegisters[slot];

    private static GicCpuRegister[] BuildGicRegisterMap()
    {
        var map = new GicCpuRegister[SystemRegisterTable.All.Length];
        (string Name, GicCpuRegister Register)[] names =
        [
            ("ICC_PMR_EL1", GicCpuRegister.Pmr), ("ICC_IAR0_EL1", GicCpuRegister.Iar0), ("ICC_EOIR0_EL1", GicCpuRegister.Eoir0),
            ("ICC_HPPIR0_EL1", GicCpuRegister.Hppir0), ("ICC_BPR0_EL1", GicCpuRegister.Bpr0), ("ICC_IAR1_EL1", GicCpuRegister.Iar1),
            ("ICC_EOIR1_EL1", GicCpuRegister.Eoir1), ("ICC_HPPIR1_EL1", GicCpuRegister.Hppir1), ("ICC_BPR1_EL1", GicCpuRegister.Bpr1),
            ("ICC_DIR_EL1", GicCpuRegister.Dir), ("ICC_RPR_EL1", GicCpuRegister.Rpr), ("ICC_SGI1R_EL1", GicCpuRegister.Sgi1r),
            ("ICC_ASGI1R_EL1", GicCpuRegister.Asgi1r), ("ICC_SGI0R_EL1", GicCpuRegister.Sgi0r), ("ICC_CTLR_EL1", GicCpuRegister.Ctlr),
            ("ICC_SRE_EL1", GicCpuRegister.Sre), ("ICC_SRE_EL2", GicCpuRegister.Sre), ("ICC_IGRPEN0_EL1", GicCpuRegister.Igrpen0),
            ("ICC_IGRPEN1_EL1", GicCpuRegister.Igrpen1),
        ];
        foreach (var (name, register) in names)
            map[SystemRegisterTable.Slot(name)] = register;
        return map;
    }
}
