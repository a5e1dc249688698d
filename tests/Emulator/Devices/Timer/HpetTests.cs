using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Devices.Timer;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Timer;

/// <summary>
/// The HPET register by register (IA-PC HPET spec 1.0a §2.3) with QEMU 7.2's hw/timer/hpet.c as the model, and the
/// sequences Linux's arch/x86/kernel/hpet.c runs: hpet_enable (read the capabilities, stop, zero and start the counter,
/// check it counts), the legacy clockevent (timer 0 periodic or one-shot on IRQ 0), and RTC emulation on timer 1.
/// </summary>
[TestFixture]
public class HpetTests
{
    private ManualClock _clock = null!;
    private Hpet _hpet = null!;
    private RecordingSink _irqs = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock();
        _hpet = new Hpet(_clock);
        _irqs = new RecordingSink();
        _hpet.Output = _irqs;
    }

    private uint Read(ulong offset) => (uint)_hpet.Read(offset, 4);

    private void Write(ulong offset, uint value) => _hpet.Write(offset, 4, value);

    private void Run(long nanoseconds)
    {
        var end = _clock.Nanoseconds + nanoseconds;
        while (_hpet.NextEventNanoseconds <= end)
        {
            _clock.Set(Math.Max(_clock.Nanoseconds, _hpet.NextEventNanoseconds));
            _hpet.Update();
        }
        _clock.Set(end);
    }

    [Test]
    public void The_capabilities_are_qemus_three_64_bit_timers_at_100_mhz_with_legacy_routing()
    {
        // A live QEMU 7.2 -M pc guest's 0xFED00000 read through the gdbstub: 0x009896808086A201.
        _hpet.Read(Hpet.IdRegister, 8).ShouldBe(0x0098_9680_8086_A201UL);
        // HPET spec §2.3.4: REV_ID bits 0–7, NUM_TIM_CAP bits 8–12 (timers − 1), COUNT_SIZE_CAP bit 13, LEG_RT_CAP bit 15,
        // VENDOR_ID bits 16–31, COUNTER_CLK_PERIOD bits 32–63 (10,000,000 fs = 10 ns).
        var id = Read(Hpet.IdRegister);
        (id & 0xFF).ShouldBe(1u);
        ((id >> 8) & 0x1F).ShouldBe(2u);
        (id & (1u << 13)).ShouldNotBe(0u);
        (id & (1u << 15)).ShouldNotBe(0u);
        (id >> 16).ShouldBe(0x8086u);
        Read(Hpet.PeriodRegister).ShouldBe(10_000_000u);
        // Writes to the capabilities are ignored.
        Write(Hpet.IdRegister, 0);
        Read(Hpet.IdRegister).ShouldBe(0x8086_A201u);
    }

    [Test]
    public void Each_timer_resets_as_qemus_periodic_capable_64_bit_on_irq_2_with_the_comparator_all_ones()
    {
        // Live QEMU: 0x0000000400000030 and 0xFFFFFFFFFFFFFFFF at 0xFED00100, 0x120, 0x140.
        for (ulong t = 0; t < 3; t++)
        {
            _hpet.Read(Hpet.TimerBase + 0x20 * t, 8).ShouldBe(0x0000_0004_0000_0030UL);
            _hpet.Read(Hpet.TimerBase + 0x20 * t + 8, 8).ShouldBe(ulong.MaxValue);
            _hpet.Read(Hpet.TimerBase + 0x20 * t + 0x10, 8).ShouldBe(0UL);
        }
        // No fourth timer.
        Read(Hpet.TimerBase + 0x60).ShouldBe(0u);
        Read(Hpet.ConfigRegister).ShouldBe(0u);
        Read(Hpet.StatusRegister).ShouldBe(0u);
    }

    [Test]
    public void The_main_counter_runs_at_100_mhz_only_while_enabled_and_holds_its_value_when_stopped()
    {
        _clock.Advance(1_000);
        _hpet.Read(Hpet.CounterRegister, 8).ShouldBe(0UL);
        // hpet_enable: stop, zero the counter, start.
        Write(Hpet.CounterRegister, 0);
        Write(Hpet.CounterRegister + 4, 0);
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        _clock.Advance(1_000);
        _hpet.Read(Hpet.CounterRegister, 8).ShouldBe(100UL);
        Write(Hpet.ConfigRegister, 0);
        _clock.Advance(5_000);
        Read(Hpet.CounterRegister).ShouldBe(100u);
        // A value written while stopped is where it resumes.
        Write(Hpet.CounterRegister + 4, 1);
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        _clock.Advance(30);
        _hpet.Read(Hpet.CounterRegister, 8).ShouldBe((1UL << 32) + 103);
        // GEN_CONF keeps only ENABLE_CNF and LEG_RT_CNF (HPET_CFG_WRITE_MASK 3).
        Write(Hpet.ConfigRegister, 0xFFFF_FFFF);
        Read(Hpet.ConfigRegister).ShouldBe(3u);
    }

    [Test]
    public void Narrow_accesses_read_zero_and_write_nothing_as_qemus_4_byte_only_registers()
    {
        _hpet.Read(Hpet.IdRegister, 2).ShouldBe(0UL);
        _hpet.Read(Hpet.IdRegister, 1).ShouldBe(0UL);
        _hpet.Write(Hpet.ConfigRegister, 1, 1);
        Read(Hpet.ConfigRegister).ShouldBe(0u);
    }

    [Test]
    public void A_one_shot_timer_fires_once_at_its_comparator_as_an_edge_on_its_route()
    {
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        // Route 2 (Tn_INT_ROUTE_CNF bits 9–13), edge, enabled.
        Write(Hpet.TimerBase, (2u << 9) | (uint)HpetComparator.InterruptEnable);
        Write(Hpet.TimerBase + 8, 1_000);
        Write(Hpet.TimerBase + 12, 0);
        _hpet.NextEventNanoseconds.ShouldBe(10_000L);
        Run(9_990);
        _irqs.Changes.ShouldBeEmpty();
        Run(10);
        _irqs.Changes.ShouldBe([(2, true), (2, false)]);
        // Edge timers leave no status bit; one-shot: nothing more.
        Read(Hpet.StatusRegister).ShouldBe(0u);
        _hpet.NextEventNanoseconds.ShouldBe(long.MaxValue);
    }

    [Test]
    public void A_level_timer_sets_its_status_bit_and_holds_the_line_until_software_writes_1_to_clear_it()
    {
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        Write(Hpet.TimerBase + 0x20, (2u << 9) | (uint)(HpetComparator.InterruptEnable | HpetComparator.LevelTriggered));
        Write(Hpet.TimerBase + 0x28, 10);
        Write(Hpet.TimerBase + 0x2C, 0);
        Run(100);
        Read(Hpet.StatusRegister).ShouldBe(2u);
        _irqs.Changes.ShouldBe([(2, true)]);
        // Writing 0 leaves it; 1 clears it and lowers the line.
        Write(Hpet.StatusRegister, 1);
        Read(Hpet.StatusRegister).ShouldBe(2u);
        Write(Hpet.StatusRegister, 2);
        Read(Hpet.StatusRegister).ShouldBe(0u);
        _irqs.Changes.ShouldBe([(2, true), (2, false)]);
    }

    [Test]
    public void A_periodic_timer_takes_its_period_from_the_comparator_write_after_val_set_and_fires_every_period()
    {
        // Linux's hpet_clkevt_set_state_periodic: stop the counter, set ENABLE | PERIODIC | VAL_SET | 32BIT, write the
        // comparator (now + delta) then the period (delta), restart.
        const uint delta = 1_000_000; // 10 ms in 10 ns ticks.
        const ulong mode = HpetComparator.InterruptEnable | HpetComparator.Periodic | HpetComparator.ThirtyTwoBitMode;
        Write(Hpet.ConfigRegister, (uint)Hpet.LegacyBit);
        Write(Hpet.TimerBase, (uint)(mode | HpetComparator.ValueSet));
        // 32-bit mode cut the comparator to 32 bits.
        _hpet.Read(Hpet.TimerBase + 8, 8).ShouldBe(0xFFFF_FFFFUL);
        Write(Hpet.TimerBase + 8, delta);
        // Tn_VAL_SET_CNF clears itself once the comparator is written.
        Read(Hpet.TimerBase).ShouldBe((uint)(mode | HpetComparator.PeriodicCapable | HpetComparator.SixtyFourBitCapable));
        Write(Hpet.TimerBase + 8, delta);
        Write(Hpet.ConfigRegister, (uint)(Hpet.LegacyBit | Hpet.EnableBit));
        Run(35_000_000);
        // Legacy replacement: timer 0 on IRQ 0, at 10, 20 and 30 ms.
        _irqs.Changes.Count(c => c is (0, true)).ShouldBe(3);
        _irqs.Changes.ShouldAllBe(c => c.Line == 0);
        _hpet.Timers[0].Comparator.ShouldBe(4UL * delta);
        Read(Hpet.TimerBase + 8).ShouldBe(4 * delta);
    }

    [Test]
    public void Legacy_replacement_cuts_off_the_pit_and_rtc_lines_and_puts_timer_1_on_irq_8()
    {
        // The 8254's OUT0 and the RTC's IRQ8 pass through while legacy replacement is off.
        _hpet.SetLevel(0, true);
        _hpet.SetLevel(Hpet.RtcIrq, true);
        _irqs.Changes.ShouldBe([(0, true), (8, true)]);
        _irqs.Changes.Clear();
        Write(Hpet.ConfigRegister, (uint)(Hpet.LegacyBit | Hpet.EnableBit));
        _irqs.Changes.ShouldBe([(0, false), (8, false)]);
        _irqs.Changes.Clear();
        _hpet.SetLevel(0, false);
        _hpet.SetLevel(0, true);
        _irqs.Changes.ShouldBeEmpty();
        // Timer 1 ignores its route in legacy replacement: IRQ 8 (HPET spec §2.3.9.2.2).
        Write(Hpet.TimerBase + 0x20, (5u << 9) | (uint)HpetComparator.InterruptEnable);
        Write(Hpet.TimerBase + 0x28, 50);
        Write(Hpet.TimerBase + 0x2C, 0);
        Run(1_000);
        _irqs.Changes.ShouldBe([(8, true), (8, false)]);
        // Leaving legacy replacement gives the lines back to the PIT and RTC at their current levels (both high).
        _irqs.Changes.Clear();
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        _irqs.Changes.ShouldBe([(0, true), (8, true)]);
    }

    [Test]
    public void A_one_shot_32_bit_timer_also_fires_when_the_counter_wraps()
    {
        Write(Hpet.CounterRegister, 0xFFFF_FF00);
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        Write(Hpet.TimerBase, (2u << 9) | (uint)(HpetComparator.InterruptEnable | HpetComparator.ThirtyTwoBitMode));
        // 32-bit mode truncates the comparator to 32 bits.
        _hpet.Read(Hpet.TimerBase + 8, 8).ShouldBe(0xFFFF_FFFFUL);
        Write(Hpet.TimerBase + 8, 0x80);
        // hpet_set_timer: the wrap (0xFF ticks away) comes before the comparator (0x180 ticks away).
        _hpet.NextEventNanoseconds.ShouldBe(0xFF * Hpet.TickNanoseconds);
        Run(0xFF * Hpet.TickNanoseconds);
        _irqs.RisingEdges.ShouldBe(1);
        _hpet.NextEventNanoseconds.ShouldBe(0x180 * Hpet.TickNanoseconds);
        Run(0x81 * Hpet.TickNanoseconds);
        _irqs.RisingEdges.ShouldBe(2);
        _hpet.NextEventNanoseconds.ShouldBe(long.MaxValue);
    }

    [Test]
    public void Disabling_a_timer_or_the_block_disarms_it()
    {
        Write(Hpet.ConfigRegister, (uint)Hpet.EnableBit);
        Write(Hpet.TimerBase + 0x40, (2u << 9) | (uint)HpetComparator.InterruptEnable);
        // The reset comparator is all ones: both halves are written.
        Write(Hpet.TimerBase + 0x48, 100);
        Write(Hpet.TimerBase + 0x4C, 0);
        _hpet.NextEventNanoseconds.ShouldBe(1_000L);
        Write(Hpet.TimerBase + 0x40, 2u << 9);
        _hpet.NextEventNanoseconds.ShouldBe(long.MaxValue);
        Write(Hpet.TimerBase + 0x40, (2u << 9) | (uint)HpetComparator.InterruptEnable);
        _hpet.NextEventNanoseconds.ShouldBe(1_000L);
        Write(Hpet.ConfigRegister, 0);
        _hpet.NextEventNanoseconds.ShouldBe(long.MaxValue);
        Run(10_000);
        _irqs.Changes.ShouldBeEmpty();
        // The read-only bits stay: Tn_PER_INT_CAP, Tn_SIZE_CAP and the route capabilities.
        Write(Hpet.TimerBase + 0x40, 0);
        _hpet.Read(Hpet.TimerBase + 0x40, 8).ShouldBe(0x0000_0004_0000_0030UL);
    }
}
