namespace LoaderHarness.Emulator.Devices.Time;

/// <summary>
/// A device whose state changes with time on its own (a timer's output, an RTC's flags). Register
/// reads are always computed from the clock; interrupts, which nobody reads, need the owner of the run
/// loop to call <see cref="Update"/> once the clock has reached <see cref="NextEventNanoseconds"/>.
/// </summary>
public interface ITimedDevice
{
    /// <summary>
    /// Guest time of the next output change, or <see cref="long.MaxValue"/> when none is due. It can move
    /// after any port access to the device (a timer reprogrammed), so a run loop re-reads it after I/O
    /// and after <see cref="Update"/> rather than on every instruction.
    /// </summary>
    long NextEventNanoseconds { get; }

    /// <summary>Brings the device's outputs up to the clock's current time.</summary>
    void Update();
}
