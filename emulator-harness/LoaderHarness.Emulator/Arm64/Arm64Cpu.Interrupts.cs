using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Gic;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>The IRQ input, the controller hook and IRQ exception entry.</summary>
public sealed partial class Arm64Cpu
{
    private InterruptInput? _interruptInput;

    /// <summary>IRQ: an interrupt controller's output line goes here.</summary>
    public InterruptInput InterruptInput => _interruptInput ??= new InterruptInput(() => _run.Break());

    /// <inheritdoc/>
    public IInterruptController? InterruptController { get; set; }

    /// <summary>
    /// Makes <paramref name="gic"/> this CPU's interrupt controller: its distributor and redistributor frames
    /// go on the bus at <paramref name="distributorBase"/> and <paramref name="redistributorBase"/> (what the
    /// FDT's <c>arm,gic-v3</c> node says), its output drives IRQ, ICC_* reach its CPU interface, the timers
    /// drive PPIs 14, 11 and 10 (INTIDs 30, 27, 26) and the PL011 drives SPI 1 (INTID 33), as on QEMU virt.
    /// </summary>
    public void ConnectGic(GicV3 gic, ulong distributorBase, ulong redistributorBase)
    {
        Bus.RegisterMmio(distributorBase, GicV3Distributor.WindowSize, gic.Distributor);
        Bus.RegisterMmio(redistributorBase, GicV3Redistributor.WindowSize, gic.Redistributor);
        gic.Output.Line = new InterruptLine(InterruptInput, 0);
        InterruptController = gic;
        Gic = gic;
        ConnectTimers(gic.LineFor(30), gic.LineFor(27), gic.LineFor(26));
        Uart.Interrupt = gic.LineFor(32 + 1);
    }

    /// <summary>PSTATE.I (DAIF bit 1 here): IRQs masked.</summary>
    private const uint IrqMask = 2;

    /// <summary>
    /// At an instruction boundary the run loop reached because the limit dropped: when IRQ is high, PSTATE.I
    /// clear and a controller is attached, takes an IRQ exception (Arm ARM DDI 0487 D1.10: the vector is
    /// VBAR_ELx + the group offset + 0x80; ELR is the next instruction not yet executed; ESR is not written).
    /// Routing to EL2 (HCR_EL2.IMO) is not modelled: the target is the current EL, or EL1 from EL0.
    /// </summary>
    private void TakePendingInterrupt()
    {
        if (_interruptInput is not { IsAsserted: true } || (Daif & IrqMask) != 0 || InterruptController is not { } controller)
            return;
        controller.Acknowledge();
        var targetEl = ExceptionLevel == 2 ? 2 : 1;
        ulong offset = (ExceptionLevel < targetEl ? 0x400UL : SpSel ? 0x200UL : 0) + 0x80;
        var el2 = targetEl == 2;
        _sys[el2 ? SpsrEl2 : SpsrEl1] = GetPstate();
        _sys[el2 ? ElrEl2 : ElrEl1] = Pc;
        SetPstate(((ulong)Nzcv) | Arm64Pstate.DaifMask | (uint)(targetEl << 2) | 1);
        _exclusiveValid = false;
        Pc = (_sys[el2 ? VbarEl2 : VbarEl1] & ~0x7FFUL) + offset;
        ExceptionsTaken++;
    }
}
