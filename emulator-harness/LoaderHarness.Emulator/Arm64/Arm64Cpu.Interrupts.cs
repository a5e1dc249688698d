using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Gic;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>The IRQ input, the controller hook and IRQ exception entry.</summary>
public sealed partial class Arm64Cpu
{
    /// <summary>IRQ: an interrupt controller's output line goes here.</summary>
    public InterruptInput InterruptInput => _interruptInput ??= new InterruptInput(() => _run.Break());

    /// <inheritdoc/>
    public IInterruptController? InterruptController { get; set; }

    /// <summary>
    /// Makes <paramref name="gic"/> this CPU's interrupt controller: its distributor and redistributor frames
    /// go on the bus at <paramref name="distributorBase"/> and <paramref name="redistributorBase"/> (what the
    /// FDT's <c>arm,gic-v3</c> node says), its output drives IRQ, ICC_* reach its CPU interface, and the timers
    /// and PL011 are wired to it (<see cref="WireController"/>).
    /// </summary>
    public void ConnectGic(GicV3 gic, ulong distributorBase, ulong redistributorBase)
    {
        Bus.RegisterMmio(distributorBase, GicV3Distributor.WindowSize, gic.Distributor);
        Bus.RegisterMmio(redistributorBase, GicV3Redistributor.WindowSize, gic.Redistributor);
        Gic = gic;
        WireController(gic, gic.Output, gic.LineFor);
    }

    /// <summary>
    /// Makes the GICv2 <paramref name="gic"/> this CPU's interrupt controller: distributor, memory-mapped CPU
    /// interface and GICv2m frame on the bus where the FDT's <c>arm,cortex-a15-gic</c> node and its
    /// <c>arm,gic-v2m-frame</c> child say; no ICC_* system registers (ID_AA64PFR0_EL1.GIC reads 0).
    /// </summary>
    public void ConnectGic(GicV2 gic, ulong distributorBase, ulong cpuInterfaceBase, ulong msiFrameBase)
    {
        Bus.RegisterMmio(distributorBase, GicV2Distributor.WindowSize, gic.Distributor);
        Bus.RegisterMmio(cpuInterfaceBase, GicV2CpuInterface.WindowSize, gic.CpuInterface);
        Bus.RegisterMmio(msiFrameBase, GicV2mFrame.WindowSize, gic.MsiFrame);
        WireController(gic, gic.Output, gic.LineFor);
    }

    /// <summary>
    /// The wiring every GIC version shares: its output drives IRQ, the timers drive PPIs 14, 11 and 10 (INTIDs
    /// 30, 27, 26) and the PL011 drives SPI 1 (INTID 33), as on QEMU virt (hw/arm/virt.c a15irqmap VIRT_UART = 1,
    /// create_gic's timer PPIs).
    /// </summary>
    private void WireController(IInterruptController controller, InterruptPin output, Func<int, IInterruptLine> lineFor)
    {
        output.Line = new InterruptLine(InterruptInput, 0);
        InterruptController = controller;
        ConnectTimers(lineFor(30), lineFor(27), lineFor(26));
        Uart.Interrupt = lineFor(32 + 1);
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
        ClearExclusiveMonitor();
        Pc = (_sys[el2 ? VbarEl2 : VbarEl1] & ~0x7FFUL) + offset;
        ExceptionsTaken++;
    }
}
