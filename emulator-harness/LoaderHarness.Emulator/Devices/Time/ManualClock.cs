namespace LoaderHarness.Emulator.Devices.Time;

/// <summary>A virtual clock moved only by <see cref="Advance"/> or <see cref="Set"/>.</summary>
public sealed class ManualClock : IVirtualClock
{
    /// <inheritdoc/>
    public long Nanoseconds { get; private set; }

    /// <summary>Moves time forward by <paramref name="nanoseconds"/> (≥ 0).</summary>
    public void Advance(long nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nanoseconds);
        Nanoseconds += nanoseconds;
    }

    /// <summary>Moves time to <paramref name="nanoseconds"/>, which may not lie in the past.</summary>
    public void Set(long nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nanoseconds, Nanoseconds);
        Nanoseconds = nanoseconds;
    }
}
