using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>Cloud Hypervisor's PM timer (devices/src/acpi.rs AcpiPmTimerDevice) counting on virtual time.</summary>
[TestFixture]
public class AcpiPmTimerTests
{
    [Test]
    public void Counts_at_3_579545_MHz_of_virtual_time()
    {
        var clock = new ManualClock();
        var timer = new AcpiPmTimer(clock);
        timer.Read(0x608, 4).ShouldBe(0u);
        // acpi.rs PM_TIMER_FREQUENCY_HZ = 3_579_545: one second of guest time is that many ticks.
        clock.Advance(1_000_000_000);
        timer.Read(0x608, 4).ShouldBe(3_579_545u);
        // acpi.rs: counter = nanos * PM_TIMER_FREQUENCY_HZ / NANOS_PER_SECOND, truncated (1 µs = 3.579545 ticks → 3).
        clock.Set(1_000_001_000);
        timer.Read(0x608, 4).ShouldBe(3_579_548u);
    }

    [Test]
    public void Counts_from_when_it_was_created()
    {
        var clock = new ManualClock();
        clock.Set(5_000_000_000);
        var timer = new AcpiPmTimer(clock);
        clock.Advance(1_000_000);
        // acpi.rs AcpiPmTimerDevice::new: start = Instant::now(); 1 ms = 3579.545 ticks.
        timer.Count.ShouldBe(3579u);
    }

    [Test]
    public void Wraps_at_32_bits()
    {
        var clock = new ManualClock();
        var timer = new AcpiPmTimer(clock);
        // acpi.rs: (counter & 0xffff_ffff) as u32; 2^32 ticks take 2^32 / 3579545 s ≈ 1199.86 s.
        clock.Set(1_200_000_000_000);
        var ticks = (Int128)1_200_000_000_000 * 3_579_545 / 1_000_000_000;
        timer.Read(0x608, 4).ShouldBe((uint)(ticks & 0xFFFF_FFFF));
        timer.Read(0x608, 4).ShouldBeLessThan(3_579_545u);
    }

    [Test]
    public void Only_a_dword_read_answers_and_writes_are_ignored()
    {
        var clock = new ManualClock();
        var timer = new AcpiPmTimer(clock);
        clock.Advance(1_000_000_000);
        timer.Write(0x608, 4, 0);
        // acpi.rs read: data.len() != size_of::<u32>() → "Invalid sized read of PM timer", nothing filled in.
        timer.Read(0x608, 1).ShouldBe(0u);
        timer.Read(0x608, 2).ShouldBe(0u);
        timer.Read(0x608, 4).ShouldBe(3_579_545u);
    }
}
