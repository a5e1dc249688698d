using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices.Apic;

/// <summary>
/// The local APIC timer (Intel SDM Vol. 3A §11.5.4 "APIC Timer"): a counter clocked at the APIC's timer
/// frequency divided by the divide configuration, in one-shot, periodic or TSC-deadline mode. Everything is
/// computed from the virtual clock: the current count is derived when read, and the next expiry is a
/// <see cref="NextEventNanoseconds"/> the run loop schedules like the 8254's.
/// </summary>
public sealed class ApicTimer
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    private readonly IVirtualClock _clock;
    private readonly long _hz;
    private readonly Func<ulong> _tsc;
    private readonly long _tscHz;
    private uint _divideConfig, _initial;
    private long _start, _expiry = long.MaxValue;
    private ulong _deadline;

    /// <summary>
    /// A timer on <paramref name="clock"/> counting at <paramref name="hz"/> before the divider; the
    /// TSC-deadline mode compares <paramref name="tsc"/>, which ticks at <paramref name="tscHz"/>.
    /// </summary>
    public ApicTimer(IVirtualClock clock, long hz, Func<ulong> tsc, long tscHz)
    {
        _clock = clock;
        _hz = hz;
        _tsc = tsc;
        _tscHz = tscHz;
    }

    /// <summary>The timer mode, LVT Timer bits 18:17 (SDM Vol. 3A Figure 11-8): 0 one-shot, 1 periodic, 2 TSC-deadline.</summary>
    public int Mode { get; private set; }

    /// <summary>Divide Configuration Register (0x3E0): bits 0, 1 and 3 (SDM Vol. 3A Figure 11-10).</summary>
    public uint DivideConfig
    {
        get => _divideConfig;
        set => _divideConfig = value & 0xB;
    }

    /// <summary>The divisor <see cref="DivideConfig"/> selects: 2, 4, …, 128, or 1 for 1011b.</summary>
    public long Divisor
    {
        get
        {
            var code = (int)((_divideConfig & 3) | ((_divideConfig >> 1) & 4));
            return code == 7 ? 1 : 2L << code;
        }
    }

    /// <summary>Initial Count Register (0x380).</summary>
    public uint InitialCount => _initial;

    /// <summary>IA32_TSC_DEADLINE (MSR 6E0H): the armed deadline, 0 when disarmed or after it fired.</summary>
    public ulong Deadline => Mode == 2 ? _deadline : 0;

    /// <summary>Guest time the timer next fires, or <see cref="long.MaxValue"/>.</summary>
    public long NextEventNanoseconds => _expiry;

    /// <summary>
    /// A write to the LVT Timer register: a change of mode disarms the timer (SDM Vol. 3A §11.5.4.1 "a write to
    /// the LVT Timer Register that changes the timer mode disarms the local APIC timer").
    /// </summary>
    public void SetMode(int mode)
    {
        if (mode == Mode)
            return;
        Mode = mode;
        _initial = 0;
        _deadline = 0;
        _expiry = long.MaxValue;
    }

    /// <summary>Writes the Initial Count: starts counting down from it now (0 stops the timer); ignored in TSC-deadline mode.</summary>
    public void WriteInitialCount(uint count)
    {
        if (Mode == 2)
            return;
        _initial = count;
        _start = _clock.Nanoseconds;
        _expiry = count == 0 ? long.MaxValue : _start + PeriodNanoseconds;
    }

    /// <summary>Current Count Register (0x390): counts down from the initial count, 0 once a one-shot expired.</summary>
    public uint CurrentCount
    {
        get
        {
            if (Mode == 2 || _initial == 0)
                return 0;
            var ticks = (long)((Int128)(_clock.Nanoseconds - _start) * _hz / (NanosecondsPerSecond * Divisor));
            if (Mode == 1)
                return (uint)(_initial - ticks % _initial);
            return ticks >= _initial ? 0 : (uint)(_initial - ticks);
        }
    }

    /// <summary>
    /// WRMSR IA32_TSC_DEADLINE: in TSC-deadline mode arms the timer for when the TSC reaches <paramref name="value"/>
    /// (at once if it already has), 0 disarms; in the other modes the write is ignored (SDM Vol. 3A §11.5.4.1).
    /// </summary>
    public void WriteDeadline(ulong value)
    {
        if (Mode != 2)
            return;
        _deadline = value;
        if (value == 0)
        {
            _expiry = long.MaxValue;
            return;
        }
        var now = _clock.Nanoseconds;
        var tsc = _tsc();
        var wait = value <= tsc ? 0 : (long)Int128.Min((Int128)(value - tsc) * NanosecondsPerSecond / _tscHz, long.MaxValue - now - 1);
        _expiry = now + wait;
    }

    /// <summary>
    /// When the clock has reached the expiry: true once (a periodic timer re-arms for its next period, counting
    /// every period that passed as one interrupt; one-shot and deadline timers disarm).
    /// </summary>
    public bool Expire()
    {
        var now = _clock.Nanoseconds;
        if (now < _expiry)
            return false;
        switch (Mode)
        {
            case 1:
                var period = PeriodNanoseconds;
                _expiry += ((now - _expiry) / period + 1) * period;
                break;
            case 2:
                _deadline = 0;
                _expiry = long.MaxValue;
                break;
            default:
                _expiry = long.MaxValue;
                break;
        }
        return true;
    }

    /// <summary>Stops the timer (the APIC was reset or disabled).</summary>
    public void Reset()
    {
        Mode = 0;
        _initial = 0;
        _divideConfig = 0;
        _deadline = 0;
        _expiry = long.MaxValue;
    }

    private long PeriodNanoseconds => (long)(((Int128)_initial * Divisor * NanosecondsPerSecond + _hz - 1) / _hz);
}
