using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// Cloud Hypervisor's ACPI PM timer (devices/src/acpi.rs <c>AcpiPmTimerDevice</c>, at port 0x608 on x86_64 per
/// vmm/src/device_manager.rs add_acpi_devices): a free-running counter at 3.579545 MHz (ACPI 6.5 section 4.8.3.3,
/// PM_TMR_BLK) read as one 32-bit port read. Its count comes from the guest's virtual time, not the host's
/// <c>Instant::now()</c>, so runs stay reproducible. All 32 bits count, as CH's device does and as its FADT says
/// with TMR_VAL_EXT (vmm/src/acpi.rs create_facp_table flags); Linux masks to 24 bits anyway
/// (drivers/clocksource/acpi_pm.c ACPI_PM_MASK).
/// </summary>
public sealed class AcpiPmTimer : IPortDevice
{
    /// <summary>devices/src/acpi.rs <c>PM_TIMER_FREQUENCY_HZ</c> = 3_579_545 (ACPI PM timer frequency).</summary>
    public const long FrequencyHz = 3_579_545;

    private readonly IVirtualClock _clock;
    private readonly long _start;

    /// <summary>A timer counting from zero at <paramref name="clock"/>'s present time, as CH's starts at its creation.</summary>
    public AcpiPmTimer(IVirtualClock clock)
    {
        _clock = clock;
        _start = clock.Nanoseconds;
    }

    /// <summary>The counter now: <c>nanos * PM_TIMER_FREQUENCY_HZ / NANOS_PER_SECOND</c>, truncated to 32 bits (acpi.rs read).</summary>
    public uint Count => (uint)((Int128)(_clock.Nanoseconds - _start) * FrequencyHz / 1_000_000_000);

    /// <inheritdoc/>
    /// <remarks>Only a 4-byte read answers (acpi.rs: "Invalid sized read of PM timer" otherwise, data left as is); other sizes read 0.</remarks>
    public uint Read(ushort port, int size) => size == 4 ? Count : 0;

    /// <inheritdoc/>
    /// <remarks>The timer is read-only: CH's device has no write handler (BusDevice's default ignores it).</remarks>
    public void Write(ushort port, int size, uint value)
    {
    }
}
