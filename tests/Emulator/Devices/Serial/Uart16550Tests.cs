using LoaderHarness.Emulator.Devices.Serial;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Serial;

/// <summary>
/// The 16550A's registers per the PC16550D datasheet (§8 "Registers", Table II/III/IV), and the probe
/// sequences Linux runs against it (drivers/tty/serial/8250/8250_port.c, arch/x86/kernel/early_printk.c).
/// </summary>
[TestFixture]
public class Uart16550Tests
{
    private const ushort Base = Uart16550.Com1Port;
    private const int Rbr = 0, Ier = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;

    private static byte In(Uart16550 u, int reg) => u.ReadByte((ushort)(Base + reg));

    private static void Out(Uart16550 u, int reg, int value) => u.WriteByte((ushort)(Base + reg), (byte)value);

    private static IEnumerable<TestCaseData> ResetValues()
    {
        // Table III: IER 0, IIR 0x01, LCR 0, MCR 0, LSR 0x60; MSR bits 4-7 follow the inputs.
        yield return new TestCaseData(Ier, 0x00).SetName("Reset IER is 0");
        yield return new TestCaseData(Iir, 0x01).SetName("Reset IIR is 0x01 (no interrupt, FIFOs off)");
        yield return new TestCaseData(Lcr, 0x00).SetName("Reset LCR is 0");
        yield return new TestCaseData(Mcr, 0x00).SetName("Reset MCR is 0");
        yield return new TestCaseData(Lsr, 0x60).SetName("Reset LSR is THRE|TEMT");
        yield return new TestCaseData(Msr, 0xB0).SetName("Reset MSR shows an attached ready modem (DCD, DSR, CTS)");
    }

    [TestCaseSource(nameof(ResetValues))]
    public void Registers_hold_their_reset_values(int register, int expected) =>
        In(new Uart16550(), register).ShouldBe((byte)expected);

    [Test]
    public void Dlab_switches_offsets_0_and_1_to_the_divisor_latch()
    {
        // §8.1 LCR bit 7 and §8.3: DLL at offset 0, DLM at offset 1 while DLAB=1.
        var u = new Uart16550();
        Out(u, Ier, 0x05);
        Out(u, Lcr, 0x83);
        Out(u, 0, 0x01);
        Out(u, 1, 0x00);
        In(u, 0).ShouldBe((byte)0x01);
        In(u, 1).ShouldBe((byte)0x00);
        Out(u, Lcr, 0x03);
        In(u, Ier).ShouldBe((byte)0x05);
        u.Divisor.ShouldBe(1);
        u.Output.Length.ShouldBe(0);
    }

    [Test]
    public void Ier_keeps_only_its_low_four_bits()
    {
        // §8.7: IER bits 4-7 are always 0 (Linux's XScale UUE test writes bit 6 and must read 0).
        var u = new Uart16550();
        Out(u, Ier, 0xFF);
        In(u, Ier).ShouldBe((byte)0x0F);
    }

    [Test]
    public void Early_printk_initialises_and_polls_thre_before_each_byte()
    {
        // early_serial_init then early_serial_putc (arch/x86/kernel/early_printk.c).
        var u = new Uart16550();
        Out(u, Lcr, 0x03);
        Out(u, Ier, 0);
        Out(u, Fcr, 0);
        Out(u, Mcr, 0x03);
        var c = In(u, Lcr);
        Out(u, Lcr, c | 0x80);
        Out(u, 0, 1); // 115200 from 1.8432 MHz
        Out(u, 1, 0);
        Out(u, Lcr, c & ~0x80);
        foreach (var ch in "Linux version 6.1\r\n")
        {
            (In(u, Lsr) & 0x20).ShouldBe(0x20);
            Out(u, 0, ch);
        }
        u.Output.Text.ShouldBe("Linux version 6.1\r\n");
        u.Output.FirstLine.ShouldBe("Linux version 6.1");
        u.Divisor.ShouldBe(1);
    }

    [Test]
    public void Line_event_fires_per_line_feed()
    {
        var u = new Uart16550();
        var lines = new List<string>();
        u.Output.LineCompleted += lines.Add;
        foreach (var ch in "one\r\ntwo\nthr")
            Out(u, 0, ch);
        lines.ShouldBe(["one", "two"]);
        u.Output.LineCount.ShouldBe(2);
    }

    [Test]
    public void Loopback_reflects_mcr_outputs_in_msr()
    {
        // §8.8: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD. autoconfig writes LOOP|0x0A and wants 0x90.
        var u = new Uart16550();
        Out(u, Mcr, 0x10 | 0x0A);
        (In(u, Msr) & 0xF0).ShouldBe(0x90);
        Out(u, Mcr, 0x10 | 0x05);
        (In(u, Msr) & 0xF0).ShouldBe(0x60);
    }

    [Test]
    public void Msr_deltas_latch_changes_and_clear_on_read()
    {
        // §8.9: entering loopback with MCR=LOOP drops CTS, DSR and DCD (DCTS, DDSR, DDCD latched).
        var u = new Uart16550();
        Out(u, Mcr, 0x10);
        In(u, Msr).ShouldBe((byte)0x0B);
        In(u, Msr).ShouldBe((byte)0x00);
        Out(u, Mcr, 0x14); // OUT1 → RI asserted: no TERI yet
        In(u, Msr).ShouldBe((byte)0x40);
        Out(u, Mcr, 0x10); // RI deasserted: trailing edge
        In(u, Msr).ShouldBe((byte)0x04);
    }

    [Test]
    public void Scratch_register_holds_any_value()
    {
        // §8.10; autoconfig_8250's 0xA5/0x5A test.
        var u = new Uart16550();
        Out(u, Scr, 0xA5);
        In(u, Scr).ShouldBe((byte)0xA5);
        Out(u, Scr, 0x5A);
        In(u, Scr).ShouldBe((byte)0x5A);
    }

    [Test]
    public void Autoconfig_identifies_a_16550A_with_a_16_byte_fifo()
    {
        var u = new Uart16550();
        Linux8250Probe.Autoconfig(u).ShouldBe("16550A");
    }

    [Test]
    public void Size_fifo_counts_sixteen_bytes_in_loopback()
    {
        var u = new Uart16550();
        Linux8250Probe.SizeFifo(u).ShouldBe(16);
        u.Output.Length.ShouldBe(0); // loopback bytes never reach the line
        (In(u, Lsr) & 0x01).ShouldBe(0);
    }

    [Test]
    public void Startup_thre_test_sees_the_interrupt_each_time_etbei_is_enabled()
    {
        // serial8250_do_startup: IER=THRI, read IIR, IER=0, IER=THRI, read IIR; both must show THRE,
        // else Linux sets UART_BUG_THRE.
        var u = new Uart16550();
        Out(u, Fcr, 0x01);
        Out(u, Ier, 0x02);
        In(u, Iir).ShouldBe((byte)0xC2);
        In(u, Iir).ShouldBe((byte)0xC1); // reading IIR cleared THRE as the source
        Out(u, Ier, 0);
        Out(u, Ier, 0x02);
        In(u, Iir).ShouldBe((byte)0xC2);
        Out(u, Ier, 0);
        // The TXEN test: IER=THRI, read LSR then IIR; TEMT with "no interrupt" means UART_BUG_TXEN.
        Out(u, Ier, 0x02);
        (In(u, Lsr) & 0x40).ShouldBe(0x40);
        (In(u, Iir) & 0x01).ShouldBe(0);
    }

    [Test]
    public void Fcr_enables_fifos_and_iir_reports_them()
    {
        // §8.5/§8.6: IIR bits 7:6 are set when FCR bit 0 is; bit 5 (64-byte FIFO) and 4 stay 0.
        var u = new Uart16550();
        Out(u, Fcr, 0x01 | 0x20);
        In(u, Iir).ShouldBe((byte)0xC1);
        Out(u, Fcr, 0x00);
        In(u, Iir).ShouldBe((byte)0x01);
    }

    private static IEnumerable<TestCaseData> InterruptPriorities()
    {
        // §8.6 Table IV: line status (0x6) > received data (0x4) > THRE (0x2) > modem status (0x0).
        yield return new TestCaseData(0x0F, true, true, 0xC6).SetName("Line status outranks received data");
        yield return new TestCaseData(0x0B, true, true, 0xC4).SetName("Received data outranks THRE");
        yield return new TestCaseData(0x0A, false, true, 0xC2).SetName("THRE outranks modem status");
        yield return new TestCaseData(0x08, false, true, 0xC0).SetName("Modem status alone");
        yield return new TestCaseData(0x08, false, false, 0xC1).SetName("Modem status once MSR was read");
        yield return new TestCaseData(0x00, true, true, 0xC1).SetName("Nothing enabled, nothing reported");
    }

    [TestCaseSource(nameof(InterruptPriorities))]
    public void Iir_reports_the_highest_priority_source(int ier, bool overrun, bool modemDelta, int expected)
    {
        var u = new Uart16550();
        Out(u, Fcr, 0x01); // trigger level 1
        Out(u, Mcr, 0x10); // loopback: the modem lines change (deltas), transmits come back
        if (!modemDelta)
            In(u, Msr);
        Out(u, 0, 'x');
        if (overrun)
            for (var i = 0; i < Uart16550.FifoDepth; i++)
                Out(u, 0, 'y');
        Out(u, Ier, ier);
        In(u, Iir).ShouldBe((byte)expected);
    }

    [Test]
    public void Reading_lsr_clears_overrun_and_the_line_status_interrupt()
    {
        var u = new Uart16550();
        Out(u, Mcr, 0x10);
        Out(u, 0, 'a');
        Out(u, 0, 'b'); // FIFOs off: the holding register is full, 'b' overruns
        Out(u, Ier, 0x04);
        In(u, Iir).ShouldBe((byte)0x06);
        In(u, Lsr).ShouldBe((byte)(0x60 | 0x02 | 0x01));
        In(u, Iir).ShouldBe((byte)0x01);
        In(u, Rbr).ShouldBe((byte)'a');
    }

    private static IEnumerable<TestCaseData> TriggerLevels()
    {
        // §8.5 FCR bits 7:6: 1, 4, 8, 14 bytes; below the level the (immediate) timeout reports 0xC.
        yield return new TestCaseData(0x00, 1, 0xC4);
        yield return new TestCaseData(0x40, 3, 0xCC);
        yield return new TestCaseData(0x40, 4, 0xC4);
        yield return new TestCaseData(0x80, 7, 0xCC);
        yield return new TestCaseData(0xC0, 14, 0xC4);
    }

    [TestCaseSource(nameof(TriggerLevels))]
    public void Received_data_interrupt_follows_the_trigger_level(int fcr, int bytes, int expectedIir)
    {
        var u = new Uart16550();
        Out(u, Fcr, 0x01 | fcr);
        Out(u, Ier, 0x01);
        u.Inject(new string('k', bytes));
        In(u, Iir).ShouldBe((byte)expectedIir);
    }

    [Test]
    public void Injected_input_waits_host_side_while_the_fifo_is_full()
    {
        var u = new Uart16550();
        Out(u, Fcr, 0x01);
        var text = "0123456789abcdefghij"; // 20 bytes, FIFO holds 16
        u.Inject(text);
        var read = new List<char>();
        while ((In(u, Lsr) & 0x01) != 0)
            read.Add((char)In(u, Rbr));
        new string([.. read]).ShouldBe(text);
        (In(u, Lsr) & 0x02).ShouldBe(0); // no overrun
    }

    [Test]
    public void Clearing_the_receive_fifo_drops_its_bytes()
    {
        var u = new Uart16550();
        Out(u, Fcr, 0x01);
        Out(u, Mcr, 0x10);
        Out(u, 0, 'z');
        Out(u, Fcr, 0x03);
        (In(u, Lsr) & 0x01).ShouldBe(0);
    }

    [Test]
    public void Irq_pin_needs_out2_and_is_silent_in_loopback()
    {
        // PC serial adapters gate INTRPT with OUT2; §8.8 forces OUT2 inactive in loopback.
        var u = new Uart16550();
        Out(u, Ier, 0x02);
        u.Irq.Level.ShouldBeFalse();
        Out(u, Mcr, 0x08);
        u.Irq.Level.ShouldBeTrue();
        Out(u, Mcr, 0x18);
        u.Irq.Level.ShouldBeFalse();
        Out(u, Mcr, 0x08);
        In(u, Iir);
        u.Irq.Level.ShouldBeFalse();
    }

    [Test]
    public void Without_out2_gating_the_pin_follows_intr()
    {
        var u = new Uart16550(out2GatesInterrupt: false);
        Out(u, Ier, 0x02);
        u.Irq.Level.ShouldBeTrue();
    }

    [Test]
    public void Wide_accesses_split_into_byte_cycles()
    {
        var u = new Uart16550();
        u.Write(Base + Lcr, 2, 0x0B_03); // LCR=0x03, MCR=0x0B
        In(u, Mcr).ShouldBe((byte)0x0B);
        u.Read(Base + Lcr, 2).ShouldBe(0x0B_03u);
    }
}
