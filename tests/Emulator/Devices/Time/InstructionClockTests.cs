using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Devices.Timer;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Time;

/// <summary>The virtual clocks: time only moves when told, and instruction counts map to it exactly.</summary>
[TestFixture]
public class InstructionClockTests
{
    [Test]
    public void Nanoseconds_follow_retired_instructions()
    {
        var clock = new InstructionClock(instructionsPerMicrosecond: 100);
        clock.Nanoseconds.ShouldBe(0);
        clock.Instructions = 250;
        clock.Nanoseconds.ShouldBe(2_500);
        clock.Instructions = 1_000_000_000_000; // no overflow far out
        clock.Nanoseconds.ShouldBe(10_000_000_000_000);
    }

    [Test]
    public void Instructions_at_is_the_first_count_reaching_a_time()
    {
        var clock = new InstructionClock(instructionsPerMicrosecond: 3);
        var at = clock.InstructionsAt(1_000);
        at.ShouldBe(3);
        clock.Instructions = at - 1;
        clock.Nanoseconds.ShouldBeLessThan(1_000);
        clock.Instructions = at;
        clock.Nanoseconds.ShouldBeGreaterThanOrEqualTo(1_000);
        clock.InstructionsAt(long.MaxValue).ShouldBe(long.MaxValue);
    }

    [Test]
    public void A_source_supplies_the_count_live()
    {
        ulong retired = 0;
        var clock = new InstructionClock(10, () => retired);
        retired = 500;
        clock.Nanoseconds.ShouldBe(50_000);
        Should.Throw<InvalidOperationException>(() => clock.Instructions = 600);
    }

    [Test]
    public void Skipping_idle_time_moves_the_clock_without_instructions()
    {
        // A halted CPU waits for the next device event: time jumps there, instructions do not.
        var clock = new InstructionClock(1000); // one instruction per nanosecond
        clock.Instructions = 1_000;
        clock.SkipTo(5_000_000);
        clock.Nanoseconds.ShouldBe(5_000_000);
        clock.SkipTo(1_000); // never back
        clock.Nanoseconds.ShouldBe(5_000_000);
        clock.InstructionsAt(5_000_010).ShouldBe(1_010);
        clock.Instructions = 1_010;
        clock.Nanoseconds.ShouldBe(5_000_010);
    }

    [Test]
    public void Time_never_goes_back()
    {
        var clock = new InstructionClock(1);
        clock.Instructions = 10;
        Should.Throw<ArgumentOutOfRangeException>(() => clock.Instructions = 9);
        var manual = new ManualClock();
        manual.Advance(5);
        Should.Throw<ArgumentOutOfRangeException>(() => manual.Set(4));
    }

    [Test]
    public void A_pit_on_an_instruction_clock_ticks_with_the_instructions()
    {
        // 1000 instructions per µs: a 10 ms PIT one-shot ends 10 million instructions in.
        var clock = new InstructionClock(1000);
        var pit = new Pit8254(clock);
        pit.WriteByte(0x43, 0x30);
        pit.WriteByte(0x40, 1193182 / 100 & 0xFF);
        pit.WriteByte(0x40, 1193182 / 100 >> 8);
        var budget = clock.InstructionsAt(pit.NextEventNanoseconds);
        budget.ShouldBeInRange(9_999_000L, 10_000_000L);
        clock.Instructions = budget - 1;
        pit.Update();
        pit.Irq0.Level.ShouldBeFalse();
        clock.Instructions = budget;
        pit.Update();
        pit.Irq0.Level.ShouldBeTrue();
    }
}
