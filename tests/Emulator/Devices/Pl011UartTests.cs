using LoaderHarness.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>The PL011's registers as Arm DDI 0183 (PL011 TRM) §3.2–3.3 lays them out.</summary>
[TestFixture]
public class Pl011UartTests
{
    [Test]
    public void Data_register_writes_are_captured()
    {
        var uart = new Pl011Uart();
        foreach (var c in "ok\n")
            uart.Write(0x000, 1, c);
        uart.Text.ShouldBe("ok\n");
    }

    [Test]
    public void Flag_register_reports_an_empty_transmit_fifo_and_no_input()
    {
        // UARTFR at 0x018: TXFE bit 7, RXFE bit 4; TXFF (bit 5) and BUSY (bit 3) clear.
        new Pl011Uart().Read(0x018, 4).ShouldBe(0x90UL);
    }

    [Test]
    public void Identification_registers_say_pl011()
    {
        // UARTPeriphID0-3 = 0x11, 0x10, 0x14 (r1p5), 0x00; UARTPCellID0-3 = 0x0D, 0xF0, 0x05, 0xB1.
        var uart = new Pl011Uart();
        Enumerable.Range(0, 8).Select(i => uart.Read(0xFE0 + (ulong)i * 4, 4))
            .ShouldBe([0x11UL, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]);
    }

    [Test]
    public void Control_registers_hold_their_values()
    {
        var uart = new Pl011Uart();
        uart.Write(0x030, 4, 0x301); // UARTCR: UARTEN, TXE, RXE
        uart.Read(0x030, 4).ShouldBe(0x301UL);
        uart.Text.ShouldBeEmpty();
    }
}
