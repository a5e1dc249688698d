namespace LoaderHarness.Emulator.Devices.Time;

/// <summary>
/// Guest time as the devices see it: nanoseconds since the machine was powered on. It only moves when
/// the engine advances it (from retired instructions or an explicit budget), never from the host's
/// clock, so two runs of the same guest observe the same timer and RTC values.
/// </summary>
public interface IVirtualClock
{
    /// <summary>Nanoseconds of guest time since power-on; never decreases.</summary>
    long Nanoseconds { get; }
}
