namespace LoaderHarness.Emulator.Devices.Time;

/// <summary>
/// Guest time derived from retired instructions at a fixed rate, so a run's timer interrupts, PIT
/// calibration loops and RTC seconds fall on the same instructions every time. The count comes from a
/// source read whenever time is asked for (a CPU's <c>TotalInstructions</c>, live during a run) or is
/// stored in <see cref="Instructions"/>; <see cref="InstructionsAt"/> turns the devices' next event time
/// back into an instruction budget, and <see cref="SkipTo"/> lets idle time pass while the CPU halts.
/// </summary>
public sealed class InstructionClock : IVirtualClock
{
    private readonly long _instructionsPerMicrosecond;
    private readonly Func<ulong>? _source;
    private long _instructions, _idle;

    /// <summary>
    /// A clock on which <paramref name="instructionsPerMicrosecond"/> instructions take one microsecond,
    /// counting the instructions <paramref name="source"/> reports, or <see cref="Instructions"/> without one.
    /// </summary>
    public InstructionClock(long instructionsPerMicrosecond, Func<ulong>? source = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instructionsPerMicrosecond, 1L);
        _instructionsPerMicrosecond = instructionsPerMicrosecond;
        _source = source;
    }

    /// <summary>Instructions retired since power-on; may only grow.</summary>
    public long Instructions
    {
        get => _source is null ? _instructions : (long)_source();
        set
        {
            if (_source is not null)
                throw new InvalidOperationException("the instruction count comes from its source");
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _instructions);
            _instructions = value;
        }
    }

    /// <inheritdoc/>
    public long Nanoseconds => InstructionTime(Instructions) + _idle;

    /// <summary>Lets time pass without instructions (the CPU halted) up to <paramref name="nanoseconds"/>; never back.</summary>
    public void SkipTo(long nanoseconds)
    {
        var now = Nanoseconds;
        if (nanoseconds > now && nanoseconds != long.MaxValue)
            _idle += nanoseconds - now;
    }

    private long InstructionTime(long instructions) => (long)((Int128)instructions * 1000 / _instructionsPerMicrosecond);

    /// <summary>
    /// The first instruction count at which <see cref="Nanoseconds"/> reaches <paramref name="nanoseconds"/>
    /// (<see cref="long.MaxValue"/> stays "never").
    /// </summary>
    public long InstructionsAt(long nanoseconds)
    {
        if (nanoseconds == long.MaxValue)
            return long.MaxValue;
        var count = ((Int128)Math.Max(0, nanoseconds - _idle) * _instructionsPerMicrosecond + 999) / 1000;
        return count > long.MaxValue ? long.MaxValue : (long)count;
    }
}
