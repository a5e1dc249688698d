namespace LoaderHarness.Emulator.Devices.Time;

/// <summary>
/// Guest time derived from retired instructions at a fixed rate, so a run's timer interrupts, PIT
/// calibration loops and RTC seconds fall on the same instructions every time. The engine stores its
/// retired-instruction count in <see cref="Instructions"/> before device I/O and event checks (not per
/// instruction), and turns the devices' next event time back into an instruction budget with
/// <see cref="InstructionsAt"/>.
/// </summary>
public sealed class InstructionClock : IVirtualClock
{
    private readonly long _instructionsPerMicrosecond;
    private long _instructions;

    /// <summary>A clock on which <paramref name="instructionsPerMicrosecond"/> instructions take one microsecond.</summary>
    public InstructionClock(long instructionsPerMicrosecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instructionsPerMicrosecond, 1L);
        _instructionsPerMicrosecond = instructionsPerMicrosecond;
    }

    /// <summary>Instructions retired since power-on; may only grow.</summary>
    public long Instructions
    {
        get => _instructions;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _instructions);
            _instructions = value;
        }
    }

    /// <inheritdoc/>
    public long Nanoseconds => (long)((Int128)_instructions * 1000 / _instructionsPerMicrosecond);

    /// <summary>
    /// The first instruction count at which <see cref="Nanoseconds"/> reaches <paramref name="nanoseconds"/>
    /// (<see cref="long.MaxValue"/> stays "never").
    /// </summary>
    public long InstructionsAt(long nanoseconds)
    {
        if (nanoseconds == long.MaxValue)
            return long.MaxValue;
        var count = ((Int128)nanoseconds * _instructionsPerMicrosecond + 999) / 1000;
        return count > long.MaxValue ? long.MaxValue : (long)count;
    }
}
