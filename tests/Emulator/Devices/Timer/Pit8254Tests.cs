using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Devices.Timer;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Timer;

/// <summary>
/// The 8254 per Intel's 82C54 datasheet (control word format, counter latch and read-back commands,
/// modes 0–5, read/write operations) and the sequences Linux runs against it
/// (arch/x86/kernel/tsc.c pit_calibrate_tsc and quick_pit_calibrate; drivers/clocksource/i8253.c).
/// </summary>
[TestFixture]
public class Pit8254Tests
{
    private ManualClock _clock = null!;
    private Pit8254 _pit = null!;
    private SystemControlPortB _portB = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock();
        _pit = new Pit8254(_clock);
        _portB = new SystemControlPortB(_pit, _clock);
    }

    private void AdvanceTicks(long ticks) =>
        _clock.Set(Pit8254.TicksToNanoseconds(_pit.NowTicks + ticks));

    private ushort ReadLsbMsb(ushort port) => (ushort)(_pit.ReadByte(port) | _pit.ReadByte(port) << 8);

    [Test]
    public void Tick_rate_is_1193182_hz()
    {
        Pit8254.NanosecondsToTicks(1_000_000_000).ShouldBe(1_193_182);
        Pit8254.NanosecondsToTicks(Pit8254.TicksToNanoseconds(11931)).ShouldBe(11931);
        Pit8254.NanosecondsToTicks(Pit8254.TicksToNanoseconds(11931) - 1).ShouldBe(11930);
    }

    [Test]
    public void Pit_calibrate_tsc_sees_out2_rise_after_the_latch_count()
    {
        // pit_calibrate_tsc(CAL_LATCH = PIT_TICK_RATE / 100, 10 ms): gate on, speaker off, counter 2
        // mode 0 binary LSB/MSB (0xB0), then poll port 0x61 bit 5.
        const int latch = 1193182 / 100;
        _portB.WriteByte(0x61, (byte)((_portB.ReadByte(0x61) & ~0x02) | 0x01));
        _pit.WriteByte(0x43, 0xB0);
        _pit.WriteByte(0x42, latch & 0xFF);
        _pit.WriteByte(0x42, latch >> 8);
        var polls = 0;
        while ((_portB.ReadByte(0x61) & 0x20) == 0)
        {
            _clock.Advance(1_000);
            polls++;
        }
        _pit.NowTicks.ShouldBeInRange(latch, latch + 1);
        polls.ShouldBeGreaterThan(1000); // CAL_PIT_LOOPS: fewer polls make Linux distrust the result
        _clock.Nanoseconds.ShouldBeInRange(9_999_000L, 10_001_000L);
    }

    [Test]
    public void Out2_stays_low_while_the_gate_is_low()
    {
        // Mode 0: "GATE = 0 disables counting".
        _pit.WriteByte(0x43, 0xB0);
        _pit.WriteByte(0x42, 100);
        _pit.WriteByte(0x42, 0);
        AdvanceTicks(500);
        (_portB.ReadByte(0x61) & 0x20).ShouldBe(0);
        _portB.WriteByte(0x61, 0x01);
        AdvanceTicks(99);
        (_portB.ReadByte(0x61) & 0x20).ShouldBe(0);
        AdvanceTicks(1);
        (_portB.ReadByte(0x61) & 0x20).ShouldBe(0x20);
    }

    [Test]
    public void Quick_pit_calibrate_reads_a_falling_msb_without_latching()
    {
        // quick_pit_calibrate: counter 2 mode 0 from 0xFFFF, then pit_expect_msb reads LSB then MSB
        // straight from the counter (no latch command) and expects the MSB to drop every 256 ticks.
        _portB.WriteByte(0x61, 0x01);
        _pit.WriteByte(0x43, 0xB0);
        _pit.WriteByte(0x42, 0xFF);
        _pit.WriteByte(0x42, 0xFF);
        for (var i = 1; i <= 5; i++)
        {
            AdvanceTicks(256);
            _pit.ReadByte(0x42);
            _pit.ReadByte(0x42).ShouldBe((byte)(0xFF - i));
        }
    }

    [Test]
    public void Counter_latch_freezes_the_count_until_both_bytes_are_read()
    {
        // i8253 clocksource: outb(0x00, 0x43) latches counter 0, then two reads.
        _pit.WriteByte(0x43, 0x34);
        _pit.WriteByte(0x40, 0x00);
        _pit.WriteByte(0x40, 0x10); // 4096
        AdvanceTicks(100);
        _pit.WriteByte(0x43, 0x00);
        AdvanceTicks(1000);
        _pit.WriteByte(0x43, 0x00); // ignored: a latch is already held
        ReadLsbMsb(0x40).ShouldBe((ushort)(4096 - 100));
        ReadLsbMsb(0x40).ShouldBe((ushort)(4096 - 1100));
    }

    [Test]
    public void Read_back_latches_status_then_count()
    {
        // Read-back 0xE2: COUNT and STATUS of counter 0. Status: OUT, NULL COUNT, RW, M, BCD.
        _pit.WriteByte(0x43, 0x34);
        _pit.WriteByte(0x40, 0x00);
        _pit.WriteByte(0x40, 0x01); // 256
        AdvanceTicks(6);
        _pit.WriteByte(0x43, 0xC2);
        _pit.ReadByte(0x40).ShouldBe((byte)(0x80 | 0x30 | 2 << 1));
        ReadLsbMsb(0x40).ShouldBe((ushort)250);
    }

    [Test]
    public void Status_shows_null_count_until_a_count_is_written()
    {
        _pit.WriteByte(0x43, 0x30); // counter 0 mode 0
        _pit.WriteByte(0x43, 0xE2 ^ 0x20); // read-back status only (COUNT bit set)
        _pit.ReadByte(0x40).ShouldBe((byte)(0x40 | 0x30)); // OUT low in mode 0, NULL COUNT
    }

    private static IEnumerable<TestCaseData> AccessModes()
    {
        // Control word RW1:RW0: 01 LSB only, 10 MSB only, 11 LSB then MSB.
        yield return new TestCaseData(0x10, new byte[] { 0x40 }, 0x40).SetName("LSB only");
        yield return new TestCaseData(0x20, new byte[] { 0x02 }, 0x200).SetName("MSB only");
        yield return new TestCaseData(0x30, new byte[] { 0x34, 0x12 }, 0x1234).SetName("LSB then MSB");
    }

    [TestCaseSource(nameof(AccessModes))]
    public void Access_mode_decides_how_counts_are_written(int rw, byte[] bytes, int expected)
    {
        _pit.WriteByte(0x43, (byte)(rw | 0x00)); // counter 0 mode 0
        foreach (var b in bytes)
            _pit.WriteByte(0x40, b);
        _pit.Channel(0).Count.ShouldBe(expected);
    }

    [Test]
    public void Mode_2_drives_irq0_once_per_period()
    {
        // Linux's periodic clockevent: 0x34 then LATCH = (PIT_TICK_RATE + HZ/2) / HZ (HZ = 250).
        const int latch = (1193182 + 125) / 250;
        var sink = new RecordingSink();
        _pit.Irq0.Line = new InterruptLine(sink, 0);
        _pit.WriteByte(0x43, 0x34);
        _pit.WriteByte(0x40, latch & 0xFF);
        _pit.WriteByte(0x40, latch >> 8);
        sink.Changes.Clear(); // OUT went high when mode 2 was programmed
        for (var i = 0; i < 10; i++)
        {
            var next = _pit.NextEventNanoseconds;
            Pit8254.NanosecondsToTicks(next).ShouldBe((long)latch * (i + 1));
            _clock.Set(next - 1);
            _pit.Update();
            sink.RisingEdges.ShouldBe(i);
            _clock.Set(next);
            _pit.Update();
            sink.RisingEdges.ShouldBe(i + 1);
        }
    }

    [Test]
    public void Mode_2_out_dips_for_one_clock_before_reload()
    {
        _pit.WriteByte(0x43, 0x34);
        _pit.WriteByte(0x40, 10);
        _pit.WriteByte(0x40, 0);
        AdvanceTicks(8);
        _pit.Channel(0).Out(_pit.NowTicks).ShouldBeTrue();
        AdvanceTicks(1);
        _pit.Channel(0).Out(_pit.NowTicks).ShouldBeFalse();
        AdvanceTicks(1);
        _pit.Channel(0).Out(_pit.NowTicks).ShouldBeTrue();
        ReadLsbMsb(0x40).ShouldBe((ushort)10);
    }

    [Test]
    public void Mode_4_one_shot_strobes_once()
    {
        // Linux's oneshot clockevent: 0x38 then the delta, LSB and MSB.
        var sink = new RecordingSink();
        _pit.WriteByte(0x43, 0x38);
        _pit.Irq0.Line = new InterruptLine(sink, 0);
        sink.Changes.Clear();
        _pit.WriteByte(0x40, 50);
        _pit.WriteByte(0x40, 0);
        Pit8254.NanosecondsToTicks(_pit.NextEventNanoseconds).ShouldBe(51);
        AdvanceTicks(1000);
        _pit.Update();
        sink.RisingEdges.ShouldBe(1);
        _pit.NextEventNanoseconds.ShouldBe(long.MaxValue);
    }

    [Test]
    public void Mode_0_out_is_low_until_terminal_count_then_stays_high()
    {
        _pit.WriteByte(0x43, 0x30);
        _pit.Update();
        _pit.Irq0.Level.ShouldBeFalse();
        _pit.WriteByte(0x40, 20);
        _pit.WriteByte(0x40, 0);
        AdvanceTicks(20);
        _pit.Update();
        _pit.Irq0.Level.ShouldBeTrue();
        AdvanceTicks(70000);
        _pit.Update();
        _pit.Irq0.Level.ShouldBeTrue(); // the counter wraps but OUT stays high
    }

    [Test]
    public void Mode_3_is_a_square_wave_counting_down_by_two()
    {
        _pit.WriteByte(0x43, 0x36);
        _pit.WriteByte(0x40, 8);
        _pit.WriteByte(0x40, 0);
        var ch = _pit.Channel(0);
        var outs = new List<bool>();
        var values = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            outs.Add(ch.Out(_pit.NowTicks));
            values.Add(ReadLsbMsb(0x40));
            AdvanceTicks(1);
        }
        outs.ShouldBe([true, true, true, true, false, false, false, false]);
        values.ShouldBe([8, 6, 4, 2, 8, 6, 4, 2]);
    }

    [Test]
    public void Bcd_counting_reads_decimal_digits()
    {
        _pit.WriteByte(0x43, 0x31); // mode 0, BCD
        _pit.WriteByte(0x40, 0x00);
        _pit.WriteByte(0x40, 0x10); // 1000 decimal
        AdvanceTicks(1);
        _pit.WriteByte(0x43, 0x00);
        ReadLsbMsb(0x40).ShouldBe((ushort)0x0999);
    }

    [Test]
    public void Rewritten_mode_2_count_takes_effect_at_the_end_of_the_cycle()
    {
        _pit.WriteByte(0x43, 0x34);
        _pit.WriteByte(0x40, 100);
        _pit.WriteByte(0x40, 0);
        AdvanceTicks(30);
        _pit.WriteByte(0x40, 10);
        _pit.WriteByte(0x40, 0);
        ReadLsbMsb(0x40).ShouldBe((ushort)70);
        AdvanceTicks(70);
        ReadLsbMsb(0x40).ShouldBe((ushort)10);
        AdvanceTicks(3);
        ReadLsbMsb(0x40).ShouldBe((ushort)7);
    }

    [Test]
    public void Mode_1_waits_for_a_gate_trigger()
    {
        _pit.WriteByte(0x43, 0xB2); // counter 2, mode 1
        _pit.WriteByte(0x42, 10);
        _pit.WriteByte(0x42, 0);
        AdvanceTicks(50);
        _pit.Channel2Out.ShouldBeTrue();
        _portB.WriteByte(0x61, 0x01);
        _pit.Channel2Out.ShouldBeFalse();
        AdvanceTicks(10);
        _pit.Channel2Out.ShouldBeTrue();
    }

    [Test]
    public void Port_61_keeps_bits_3_to_0_and_reports_refresh_and_out2()
    {
        _portB.WriteByte(0x61, 0xFF);
        (_portB.ReadByte(0x61) & 0xCF).ShouldBe(0x0F);
        var before = _portB.ReadByte(0x61) & 0x10;
        _clock.Advance(15_085);
        (_portB.ReadByte(0x61) & 0x10).ShouldNotBe(before);
    }

    [Test]
    public void Control_register_reads_float()
    {
        _pit.ReadByte(0x43).ShouldBe((byte)0xFF);
    }
}
