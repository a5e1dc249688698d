using LoaderHarness.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>Interrupt lines: what a sink hears for level and edge signalling.</summary>
[TestFixture]
public class InterruptLineTests
{
    /// <summary>Records every change a line reports.</summary>
    internal sealed class RecordingSink : IInterruptSink
    {
        public List<(int Line, bool High)> Changes { get; } = [];

        public void SetLevel(int line, bool high) => Changes.Add((line, high));
    }

    [Test]
    public void A_level_line_reports_each_change_once_and_stays_high()
    {
        var sink = new RecordingSink();
        var line = new InterruptLine(sink, 4);

        line.Raise();
        line.Raise();
        line.IsRaised.ShouldBeTrue();
        line.Lower();
        line.Lower();

        line.IsRaised.ShouldBeFalse();
        sink.Changes.ShouldBe([(4, true), (4, false)]);
    }

    [Test]
    public void An_edge_line_pulses_on_every_request()
    {
        // Like QEMU's qemu_irq_pulse (include/hw/irq.h): a rising then a falling edge per request.
        var sink = new RecordingSink();
        var line = new InterruptLine(sink, 0, InterruptTrigger.Edge);

        line.Raise();
        line.Raise();
        line.Lower();

        line.IsRaised.ShouldBeFalse();
        sink.Changes.ShouldBe([(0, true), (0, false), (0, true), (0, false)]);
    }

    [Test]
    public void Set_follows_the_value()
    {
        var sink = new RecordingSink();
        var line = new InterruptLine(sink, 1);
        line.Set(true);
        line.Set(false);
        sink.Changes.ShouldBe([(1, true), (1, false)]);
    }

    [Test]
    public void The_pl011_transmit_interrupt_reaches_the_sink_when_enabled_and_clears_on_icr()
    {
        // QEMU hw/char/pl011.c: a UARTDR write sets TXRIS; UARTINTR = (UARTRIS & UARTIMSC) != 0; UARTICR clears.
        var sink = new RecordingSink();
        var uart = new Pl011Uart { Interrupt = new InterruptLine(sink, 33) };

        uart.Write(0x000, 1, 'a');
        sink.Changes.ShouldBeEmpty("TXIM is masked at reset");
        uart.Read(0x03C, 4).ShouldBe(0x20UL, "UARTRIS.TXRIS");
        uart.Read(0x040, 4).ShouldBe(0UL, "UARTMIS");

        uart.Write(0x038, 4, 0x20); // UARTIMSC.TXIM
        sink.Changes.ShouldBe([(33, true)]);
        uart.Read(0x040, 4).ShouldBe(0x20UL);

        uart.Write(0x044, 4, 0x20); // UARTICR.TXIC
        sink.Changes.ShouldBe([(33, true), (33, false)]);
        uart.Read(0x03C, 4).ShouldBe(0UL);
    }
}
