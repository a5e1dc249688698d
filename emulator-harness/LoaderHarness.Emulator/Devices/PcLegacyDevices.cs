using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices.Apic;
using LoaderHarness.Emulator.Devices.Pic;
using LoaderHarness.Emulator.Devices.Rtc;
using LoaderHarness.Emulator.Devices.Serial;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Devices.Timer;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The legacy ISA devices every PC (and QEMU's pc/q35 machines) has, wired as the PC/AT wires them:
/// the 8259A pair, the 8254 on IRQ 0 with port 0x61, COM1's 16550A on IRQ 4, the CMOS RTC on IRQ 8,
/// and the POST-code port; the ISA lines also reach an I/O APIC when there is one. <see cref="ConnectTo"/> puts them
/// on a CPU's bus and makes the 8259A (or the local APIC in front of it) its interrupt controller; whoever runs the CPU drives time through this object's
/// <see cref="ITimedDevice"/> members (run to <see cref="NextEventNanoseconds"/>, then
/// <see cref="Update"/>), or no timer interrupt is ever raised.
/// </summary>
public sealed class PcLegacyDevices : ITimedDevice
{
    /// <summary>The devices on <paramref name="clock"/>, the RTC starting at <paramref name="rtcStart"/>.</summary>
    public PcLegacyDevices(IVirtualClock clock, DateTime? rtcStart = null)
    {
        Pit = new Pit8254(clock);
        PortB = new SystemControlPortB(Pit, clock);
        Rtc = new CmosRtc(clock, rtcStart);
        Irqs = new IsaInterruptRouter(Pic);
        Pit.Irq0.Line = new InterruptLine(Irqs, Pit8254.Irq);
        Com1.Irq.Line = new InterruptLine(Irqs, Uart16550.Com1Irq);
        Rtc.Irq8.Line = new InterruptLine(Irqs, CmosRtc.Irq);
    }

    /// <summary>The ISA IRQ lines: to the 8259A pair, and to the I/O APIC once <see cref="ConnectTo"/> was given one.</summary>
    public IsaInterruptRouter Irqs { get; }

    /// <summary>The boot CPU's local APIC, when <see cref="ConnectTo"/> was given one.</summary>
    public LocalApic? LocalApic { get; private set; }

    /// <summary>The I/O APIC, when <see cref="ConnectTo"/> was given one.</summary>
    public IoApic? IoApic { get; private set; }

    /// <summary>The cascaded interrupt controllers.</summary>
    public DualPic8259 Pic { get; } = new();

    /// <summary>The interval timer.</summary>
    public Pit8254 Pit { get; }

    /// <summary>Port 0x61.</summary>
    public SystemControlPortB PortB { get; }

    /// <summary>COM1.</summary>
    public Uart16550 Com1 { get; } = new();

    /// <summary>The CMOS RTC.</summary>
    public CmosRtc Rtc { get; }

    /// <summary>Port 0x80.</summary>
    public PostCodePort PostCodes { get; } = new();

    /// <summary>Claims the devices' ports on <paramref name="bus"/>.</summary>
    public void Attach(IoBus bus)
    {
        bus.Register(DualPic8259.MasterCommandPort, 2, Pic);
        bus.Register(DualPic8259.SlaveCommandPort, 2, Pic);
        bus.Register(DualPic8259.ElcrPort, 2, Pic);
        bus.Register(Pit8254.BasePort, 4, Pit);
        bus.Register(SystemControlPortB.Port, 1, PortB);
        bus.Register(CmosRtc.IndexPort, 2, Rtc);
        bus.Register(Uart16550.Com1Port, 8, Com1);
        bus.Register(PostCodePort.Port, 1, PostCodes);
    }

    /// <summary>
    /// Registers the ports on <paramref name="cpu"/>'s bus, wires the master's INT to its interrupt input
    /// and makes the pair its interrupt controller (the INTA cycle). With <paramref name="localApic"/> the APIC
    /// sits in between: the master's INT goes to its LINT0, the APIC drives the CPU's input and answers INTA
    /// (handing ExtINT cycles to the pair), and its xAPIC page is mapped at its base; with
    /// <paramref name="ioApic"/> the ISA lines reach that too, and it is mapped at 0xFEC00000.
    /// </summary>
    public void ConnectTo(IGuestCpu cpu, LocalApic? localApic = null, IoApic? ioApic = null)
    {
        Attach(cpu.Bus);
        if (localApic is null)
        {
            Pic.Output.Line = new InterruptLine(cpu.InterruptInput, 0);
            cpu.InterruptController = Pic;
            return;
        }
        LocalApic = localApic;
        localApic.ExternalController = Pic;
        Pic.Output.Line = new InterruptLine(localApic, 0);
        localApic.Output.Line = new InterruptLine(cpu.InterruptInput, 0);
        cpu.InterruptController = localApic;
        cpu.Bus.RegisterMmio(localApic.MmioBase, ApicAddresses.LocalApicWindow, localApic);
        if (ioApic is null)
            return;
        IoApic = ioApic;
        ioApic.Target = localApic;
        localApic.IoApic = ioApic;
        cpu.Bus.RegisterMmio(ApicAddresses.IoApicBase, ApicAddresses.IoApicWindow, ioApic);
        Irqs.IoApic = ioApic;
    }

    /// <summary>The HPET, when <see cref="ConnectHpet"/> added one.</summary>
    public Hpet? Hpet { get; private set; }

    /// <summary>
    /// Maps <paramref name="hpet"/> at <paramref name="base"/> on <paramref name="bus"/> and puts it between the 8254's
    /// and the RTC's outputs and their IRQ 0 and 8, as hw/i386/pc.c pc_basic_device_init wires QEMU's HPET: the PIT's and
    /// RTC's interrupts become the HPET's legacy inputs (HPET_LEGACY_PIT_INT, HPET_LEGACY_RTC_INT), its outputs the GSIs.
    /// </summary>
    public void ConnectHpet(IoBus bus, Hpet hpet, ulong @base)
    {
        Hpet = hpet;
        hpet.Output = new GlobalSystemInterrupts(this);
        Pit.Irq0.Line = new InterruptLine(hpet, Pit8254.Irq);
        Rtc.Irq8.Line = new InterruptLine(hpet, CmosRtc.Irq);
        bus.RegisterMmio(@base, Hpet.WindowLength, hpet);
    }

    /// <inheritdoc/>
    public long NextEventNanoseconds => Math.Min(Math.Min(Math.Min(Pit.NextEventNanoseconds, Rtc.NextEventNanoseconds),
        LocalApic?.NextEventNanoseconds ?? long.MaxValue), Hpet?.NextEventNanoseconds ?? long.MaxValue);

    /// <inheritdoc/>
    public void Update()
    {
        Pit.Update();
        Rtc.Update();
        LocalApic?.Update();
        Hpet?.Update();
    }

    /// <summary>
    /// QEMU's GSI lines (hw/i386/x86.c gsi_handler): 0–15 are the ISA IRQs (8259A and I/O APIC), 16 and up I/O APIC pins only.
    /// </summary>
    private sealed class GlobalSystemInterrupts(PcLegacyDevices devices) : IInterruptSink
    {
        public void SetLevel(int line, bool high)
        {
            if (line < 16)
                devices.Irqs.SetLevel(line, high);
            else
                devices.IoApic?.SetLevel(line, high);
        }
    }
}
