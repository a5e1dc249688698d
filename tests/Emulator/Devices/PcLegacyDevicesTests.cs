using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Devices.Timer;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>
/// The legacy PC devices on one bus, interrupts flowing through the 8259A pair as on the PC/AT:
/// timer on IRQ 0, COM1 on IRQ 4, RTC on IRQ 8, programmed the way Linux programs them.
/// </summary>
[TestFixture]
public class PcLegacyDevicesTests
{
    private ManualClock _clock = null!;
    private PcLegacyDevices _pc = null!;
    private IoBus _bus = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock();
        _pc = new PcLegacyDevices(_clock);
        _bus = new IoBus();
        _pc.Attach(_bus);
        // init_8259A (arch/x86/kernel/i8259.c): vectors 0x30/0x38, cascade on IR2, 8086 mode.
        foreach (var (port, value) in new (ushort, uint)[]
                 {
                     (0x21, 0xFF), (0xA1, 0xFF), (0x20, 0x11), (0x21, 0x30), (0x21, 0x04), (0x21, 0x01),
                     (0xA0, 0x11), (0xA1, 0x38), (0xA1, 0x02), (0xA1, 0x01), (0x21, 0x00), (0xA1, 0x00),
                 })
            _bus.Out(port, 1, value);
    }

    private void EndOfInterrupt(int irq)
    {
        if (irq >= 8)
        {
            _bus.Out(0xA0, 1, 0x60u + (uint)(irq & 7));
            irq = 2;
        }
        _bus.Out(0x20, 1, 0x60u + (uint)irq);
    }

    [Test]
    public void Periodic_timer_delivers_vector_0x30_each_tick()
    {
        const int latch = (1193182 + 125) / 250; // HZ = 250
        _bus.Out(0x43, 1, 0x34);
        _bus.Out(0x40, 1, latch & 0xFF);
        _bus.Out(0x40, 1, latch >> 8);
        _pc.Update();
        _pc.Pic.Acknowledge(); // OUT rose when mode 2 was programmed
        EndOfInterrupt(0);
        for (var tick = 0; tick < 3; tick++)
        {
            _pc.Pic.InterruptRequested.ShouldBeFalse();
            _clock.Set(_pc.NextEventNanoseconds);
            _pc.Update();
            _pc.Pic.InterruptRequested.ShouldBeTrue();
            _pc.Pic.Acknowledge().ShouldBe(0x30);
            EndOfInterrupt(0);
        }
        _clock.Nanoseconds.ShouldBeInRange(11_999_000L, 12_001_000L); // three 4 ms ticks
    }

    [Test]
    public void The_hpet_in_legacy_replacement_takes_irq_0_from_the_pit_and_delivers_its_timer_0_as_vector_0x30()
    {
        var hpet = new Hpet(_clock);
        _pc.ConnectHpet(_bus, hpet, 0xFED0_0000);
        // The PIT's channel 0 in mode 2 (HZ = 250) reaches IRQ 0 through the HPET's legacy input while LEG_RT_CNF is clear.
        _bus.Out(0x43, 1, 0x34);
        _bus.Out(0x40, 1, 4773 & 0xFF);
        _bus.Out(0x40, 1, 4773 >> 8);
        _pc.Update();
        _pc.Pic.Acknowledge().ShouldBe(0x30);
        EndOfInterrupt(0);
        // hpet_enable with legacy replacement (arch/x86/kernel/hpet.c hpet_legacy_clockevent_register): timer 0 one-shot
        // 1 ms ahead, then ENABLE_CNF | LEG_RT_CNF.
        _bus.MmioWrite(0xFED0_0100, 4, 0x4);
        _bus.MmioWrite(0xFED0_0108, 4, 100_000);
        _bus.MmioWrite(0xFED0_010C, 4, 0);
        _bus.MmioWrite(0xFED0_0010, 4, 3);
        hpet.NextEventNanoseconds.ShouldBe(1_000_000L);
        // The PIT ticks (4 ms) no longer reach the PIC; the HPET's timer 0 at 1 ms does.
        _clock.Set(1_000_000);
        _pc.Update();
        _pc.Pic.InterruptRequested.ShouldBeTrue();
        _pc.Pic.Acknowledge().ShouldBe(0x30);
        EndOfInterrupt(0);
        _clock.Set(_pc.Pit.NextEventNanoseconds);
        _pc.Update();
        _pc.Pic.InterruptRequested.ShouldBeFalse();
    }

    [Test]
    public void Com1_transmit_interrupt_delivers_vector_0x34_once_out2_is_set()
    {
        _bus.Out(0x3F9, 1, 0x02); // IER: THRI
        _pc.Pic.InterruptRequested.ShouldBeFalse();
        _bus.Out(0x3FC, 1, 0x0B); // MCR: DTR | RTS | OUT2
        _pc.Pic.InterruptRequested.ShouldBeTrue();
        _pc.Pic.Acknowledge().ShouldBe(0x34);
        _bus.In(0x3FA, 1).ShouldBe(0x02u); // IIR: THRE (FIFOs off)
        EndOfInterrupt(4);
        _pc.Pic.InterruptRequested.ShouldBeFalse();
        _bus.Out(0x3F8, 1, 'A');
        _pc.Com1.Output.Text.ShouldBe("A");
        _pc.Pic.InterruptRequested.ShouldBeTrue(); // THR empty again: a new edge on IRQ 4
    }

    [Test]
    public void Rtc_update_interrupt_arrives_through_the_slave_as_vector_0x38()
    {
        _bus.Out(0x70, 1, 0x0B);
        _bus.Out(0x71, 1, 0x12); // UIE, 24-hour
        _clock.Set(_pc.NextEventNanoseconds);
        _pc.Update();
        _pc.Pic.Acknowledge().ShouldBe(0x38);
        _bus.Out(0x70, 1, 0x0C);
        (_bus.In(0x71, 1) & 0x90u).ShouldBe(0x90u);
        EndOfInterrupt(8);
        _pc.Pic.InterruptRequested.ShouldBeFalse();
    }

    [Test]
    public void Post_codes_and_port_61_answer_on_the_bus()
    {
        _bus.Out(0x80, 1, 0xAA);
        _pc.PostCodes.LastCode.ShouldBe((byte)0xAA);
        _bus.Out(0x61, 1, 0x03);
        (_bus.In(0x61, 1) & 0x0Fu).ShouldBe(0x03u);
    }
}
