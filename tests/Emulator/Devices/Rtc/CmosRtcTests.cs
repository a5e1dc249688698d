using LoaderHarness.Emulator.Devices.Rtc;
using LoaderHarness.Emulator.Devices.Time;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Rtc;

/// <summary>
/// The CMOS RTC per the MC146818A datasheet (address map, data modes, update cycle, registers A–D)
/// and Linux's use of it (drivers/rtc/rtc-mc146818-lib.c mc146818_get_time/mc146818_set_time,
/// arch/x86/kernel/rtc.c).
/// </summary>
[TestFixture]
public class CmosRtcTests
{
    private const long Ms = 1_000_000;
    private ManualClock _clock = null!;
    private CmosRtc _rtc = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock();
        _rtc = new CmosRtc(_clock);
    }

    private byte Read(int index)
    {
        _rtc.WriteByte(0x70, (byte)index);
        return _rtc.ReadByte(0x71);
    }

    private void Write(int index, int value)
    {
        _rtc.WriteByte(0x70, (byte)index);
        _rtc.WriteByte(0x71, (byte)value);
    }

    private static IEnumerable<TestCaseData> StartRegisters()
    {
        // 2025-01-01 00:00:00 UTC, a Wednesday, BCD and 24-hour as firmware leaves it.
        yield return new TestCaseData(0x00, 0x00).SetName("Seconds");
        yield return new TestCaseData(0x02, 0x00).SetName("Minutes");
        yield return new TestCaseData(0x04, 0x00).SetName("Hours");
        yield return new TestCaseData(0x06, 0x04).SetName("Day of week (1 = Sunday)");
        yield return new TestCaseData(0x07, 0x01).SetName("Day of month");
        yield return new TestCaseData(0x08, 0x01).SetName("Month");
        yield return new TestCaseData(0x09, 0x25).SetName("Year");
        yield return new TestCaseData(0x32, 0x20).SetName("Century (PC/AT CMOS 0x32)");
        yield return new TestCaseData(0x0A, 0x26).SetName("Register A: 32.768 kHz divider, 1024 Hz rate");
        yield return new TestCaseData(0x0B, 0x02).SetName("Register B: BCD, 24-hour");
        yield return new TestCaseData(0x0D, 0x80).SetName("Register D: VRT");
    }

    [TestCaseSource(nameof(StartRegisters))]
    public void Registers_show_the_configured_start(int index, int expected) =>
        Read(index).ShouldBe((byte)expected);

    [Test]
    public void Time_follows_the_virtual_clock()
    {
        _clock.Advance(3661 * 1000 * Ms + 500 * Ms);
        Read(0x04).ShouldBe((byte)0x01);
        Read(0x02).ShouldBe((byte)0x01);
        Read(0x00).ShouldBe((byte)0x01);
        _rtc.Now.ShouldBe(new DateTime(2025, 1, 1, 1, 1, 1, DateTimeKind.Utc));
    }

    [Test]
    public void Start_date_is_configurable()
    {
        var rtc = new CmosRtc(_clock, new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc));
        _clock.Advance(1000 * Ms);
        rtc.Now.ShouldBe(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
    }

    private static IEnumerable<TestCaseData> DataModes()
    {
        // Datasheet table 3: 15:07:09 in each DM and 24/12 combination.
        yield return new TestCaseData(0x02, 0x15, 0x07, 0x09).SetName("BCD 24-hour");
        yield return new TestCaseData(0x06, 15, 7, 9).SetName("Binary 24-hour");
        yield return new TestCaseData(0x00, 0x83, 0x07, 0x09).SetName("BCD 12-hour, PM in bit 7");
        yield return new TestCaseData(0x04, 0x83, 7, 9).SetName("Binary 12-hour, PM in bit 7");
    }

    [TestCaseSource(nameof(DataModes))]
    public void Register_b_selects_the_data_mode(int registerB, int hours, int minutes, int seconds)
    {
        _clock.Advance((15 * 3600 + 7 * 60 + 9) * 1000 * Ms);
        Write(0x0B, registerB);
        Read(0x04).ShouldBe((byte)hours);
        Read(0x02).ShouldBe((byte)minutes);
        Read(0x00).ShouldBe((byte)seconds);
    }

    [Test]
    public void Midnight_and_noon_read_as_12_in_12_hour_mode()
    {
        Write(0x0B, 0x00);
        Read(0x04).ShouldBe((byte)0x12);
        _clock.Advance(12 * 3600 * 1000 * Ms);
        Read(0x04).ShouldBe((byte)0x92);
    }

    [Test]
    public void Uip_is_set_for_the_244_microseconds_before_each_update()
    {
        _clock.Set(1000 * Ms - 244_141);
        (Read(0x0A) & 0x80).ShouldBe(0);
        _clock.Set(1000 * Ms - 244_140);
        (Read(0x0A) & 0x80).ShouldBe(0x80);
        Read(0x00).ShouldBe((byte)0x00); // the update has not happened yet
        _clock.Set(1000 * Ms);
        (Read(0x0A) & 0x80).ShouldBe(0);
        Read(0x00).ShouldBe((byte)0x01);
    }

    [Test]
    public void Linux_get_time_waits_out_uip_and_reads_a_consistent_time()
    {
        // mc146818_get_time: read seconds, retry after mdelay(1) while UIP, revalidate seconds.
        _clock.Set(59 * 1000 * Ms + 999_900_000); // 100 µs before 00:01:00, inside the UIP window
        var retries = 0;
        byte sec, min;
        while (true)
        {
            sec = Read(0x00);
            if ((Read(0x0A) & 0x80) != 0)
            {
                _clock.Advance(1 * Ms);
                retries++;
                continue;
            }
            if (sec != Read(0x00))
                continue;
            min = Read(0x02);
            if ((Read(0x0A) & 0x80) != 0 || sec != Read(0x00))
                continue;
            break;
        }
        retries.ShouldBe(1);
        sec.ShouldBe((byte)0x00);
        min.ShouldBe((byte)0x01);
    }

    [Test]
    public void Linux_set_time_writes_under_set_and_the_clock_resumes()
    {
        // mc146818_set_time: SET in B, divider reset (DV = 11x) in A, fields, then restore both.
        _clock.Advance(123 * Ms);
        var control = Read(0x0B);
        Write(0x0B, control | 0x80);
        var freq = Read(0x0A);
        Write(0x0A, freq | 0x70);
        Write(0x09, 0x24);
        Write(0x08, 0x02);
        Write(0x07, 0x29);
        Write(0x04, 0x23);
        Write(0x02, 0x59);
        Write(0x00, 0x58);
        _clock.Advance(5000 * Ms);
        Read(0x00).ShouldBe((byte)0x58); // stopped while SET
        (Read(0x0A) & 0x80).ShouldBe(0);
        Write(0x0B, control);
        Write(0x0A, freq);
        _clock.Advance(499 * Ms);
        Read(0x00).ShouldBe((byte)0x58);
        _clock.Advance(1 * Ms); // first update half a second after leaving divider reset
        Read(0x00).ShouldBe((byte)0x59);
        _clock.Advance(1000 * Ms);
        _rtc.Now.ShouldBe(new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc));
        Read(0x06).ShouldBe((byte)0x06); // Friday
    }

    [Test]
    public void Update_interrupt_sets_uf_and_irqf_and_reading_c_clears_them()
    {
        Write(0x0B, 0x12); // UIE, 24-hour, BCD
        _rtc.NextEventNanoseconds.ShouldBe(1000 * Ms);
        _clock.Advance(1000 * Ms);
        _rtc.Update();
        _rtc.Irq8.Level.ShouldBeTrue();
        Read(0x0C).ShouldBe((byte)0xD0); // IRQF | UF, and PF, which latches whatever PIE says
        _rtc.Irq8.Level.ShouldBeFalse();
        Read(0x0C).ShouldBe((byte)0x00);
    }

    [Test]
    public void Flags_latch_without_their_enables_but_do_not_interrupt()
    {
        _clock.Advance(1000 * Ms);
        _rtc.Update();
        _rtc.Irq8.Level.ShouldBeFalse();
        Read(0x0C).ShouldBe((byte)0x50); // PF (1024 Hz) and UF, no IRQF
    }

    [Test]
    public void Periodic_interrupt_runs_at_the_register_a_rate()
    {
        // RS = 0110: 1024 Hz, period 976.5625 µs.
        Write(0x0B, 0x42);
        Read(0x0C);
        _rtc.NextEventNanoseconds.ShouldBe(976_563);
        _clock.Set(976_562);
        _rtc.Update();
        _rtc.Irq8.Level.ShouldBeFalse();
        _clock.Set(976_563);
        _rtc.Update();
        _rtc.Irq8.Level.ShouldBeTrue();
        Read(0x0C).ShouldBe((byte)0xC0);
    }

    [Test]
    public void Periodic_flag_keeps_ticking_while_set_holds_the_time()
    {
        Write(0x0B, 0x82); // SET
        Read(0x0C);
        _clock.Advance(2000 * Ms);
        Read(0x0C).ShouldBe((byte)0x40); // PF only: no update while SET
        Read(0x00).ShouldBe((byte)0x00);
    }

    [Test]
    public void Clearing_set_keeps_the_divider_phase()
    {
        _clock.Set(300 * Ms);
        Write(0x0B, 0x82);
        _clock.Set(2600 * Ms);
        Write(0x0B, 0x02);
        // The divider kept running: the next update is at the next whole second of its phase (3.0 s).
        _clock.Set(2999 * Ms);
        Read(0x00).ShouldBe((byte)0x00);
        _clock.Set(3000 * Ms);
        Read(0x00).ShouldBe((byte)0x01);
    }

    [Test]
    public void Alarm_matches_with_dont_care_fields()
    {
        Write(0x01, 0x05); // seconds = 05
        Write(0x03, 0xC0); // any minute
        Write(0x05, 0xFF); // any hour
        Write(0x0B, 0x22); // AIE
        _clock.Advance(4000 * Ms);
        _rtc.Update();
        _rtc.Irq8.Level.ShouldBeFalse();
        _clock.Advance(1000 * Ms);
        _rtc.Update();
        _rtc.Irq8.Level.ShouldBeTrue();
        (Read(0x0C) & 0xA0).ShouldBe(0xA0);
    }

    [Test]
    public void Setting_set_clears_uie()
    {
        Write(0x0B, 0x12);
        Write(0x0B, 0x92);
        Read(0x0B).ShouldBe((byte)0x82);
    }

    [Test]
    public void Index_port_bit_7_masks_nmi_and_does_not_select_a_register()
    {
        _rtc.WriteByte(0x70, 0x8D);
        _rtc.NmiDisabled.ShouldBeTrue();
        _rtc.ReadByte(0x71).ShouldBe((byte)0x80); // register D
        _rtc.WriteByte(0x70, 0x0D);
        _rtc.NmiDisabled.ShouldBeFalse();
        _rtc.ReadByte(0x70).ShouldBe((byte)0xFF);
    }

    [Test]
    public void Ram_bytes_hold_their_values_and_registers_c_d_ignore_writes()
    {
        Write(0x40, 0x5A);
        Read(0x40).ShouldBe((byte)0x5A);
        _rtc[0x10] = 0x44;
        Read(0x10).ShouldBe((byte)0x44);
        Write(0x0D, 0x00);
        Read(0x0D).ShouldBe((byte)0x80);
        Write(0x0A, 0xA6); // UIP is read-only
        (Read(0x0A) & 0x7F).ShouldBe(0x26);
    }
}
