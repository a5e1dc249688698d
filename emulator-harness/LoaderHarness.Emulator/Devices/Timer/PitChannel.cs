namespace LoaderHarness.Emulator.Devices.Timer;

/// <summary>
/// One counter of an Intel 82C54 ("82C54 CHMOS Programmable Interval Timer", Intel order 231244):
/// the six modes, binary or BCD counting, LSB/MSB access with its flip-flops, the counter-latch and
/// read-back latches, and GATE. Time is in timer ticks passed in by <see cref="Pit8254"/>; nothing
/// runs between calls, every value is computed from the tick at which counting started.
/// </summary>
/// <remarks>
/// Simplifications, none visible to Linux's use (mode 2 and 4 on counter 0, mode 0 on counter 2): the
/// count is loaded at the write instead of on the following CLK edge, and in mode 3 a count rewritten
/// while counting takes effect at the end of the current full cycle rather than half-cycle.
/// </remarks>
public sealed class PitChannel
{
    private int _mode, _access = 3, _current, _reload, _pendingCount;
    private bool _bcd, _countValid, _triggered, _gate = true, _hasPending, _nullCount = true;
    private long _start, _gateLowAt, _pendingAt;
    private bool _writeMsbNext, _readMsbNext, _countLatched, _latchMsbNext, _statusLatched;
    private byte _writeLsb, _status;
    private int _latchedValue;

    /// <summary>The counting mode (0–5) from the last control word.</summary>
    public int Mode => _mode;

    /// <summary>The counter's GATE input level.</summary>
    public bool Gate => _gate;

    /// <summary>The initial count in effect (1–65536, or 1–10000 in BCD), 0 before one is written.</summary>
    public int Count => _countValid ? _current : 0;

    /// <summary>Control word for this counter: RW1:RW0 in bits 5:4, M2–M0 in 3:1, BCD in 0.</summary>
    public void Program(byte controlWord, long now)
    {
        // "Whenever a Control Word is written to a Counter, all Control Logic is immediately reset":
        // OUT goes to its initial state (low in mode 0, high otherwise) until a count is written.
        _access = (controlWord >> 4) & 3;
        var mode = (controlWord >> 1) & 7;
        _mode = mode > 5 ? mode & 3 : mode; // x10 and x11 are modes 2 and 3
        _bcd = (controlWord & 1) != 0;
        _countValid = _triggered = _hasPending = false;
        _writeMsbNext = _readMsbNext = _countLatched = _statusLatched = false;
        _nullCount = true;
        if (!_gate)
            _gateLowAt = now;
    }

    /// <summary>Counter latch command: freezes the count for the next read(s), once until read.</summary>
    public void LatchCount(long now)
    {
        if (_countLatched)
            return;
        _countLatched = true;
        _latchMsbNext = false;
        _latchedValue = Value(now);
    }

    /// <summary>Read-back status latch: OUT, NULL COUNT and the programmed control bits.</summary>
    public void LatchStatus(long now)
    {
        if (_statusLatched)
            return;
        _statusLatched = true;
        _status = (byte)((Out(now) ? 0x80 : 0) | (_nullCount ? 0x40 : 0) | _access << 4 | _mode << 1 | (_bcd ? 1 : 0));
    }

    /// <summary>A read of the counter's port.</summary>
    public byte Read(long now)
    {
        if (_statusLatched)
        {
            _statusLatched = false;
            return _status;
        }
        int value;
        bool msb;
        if (_countLatched)
        {
            value = _latchedValue;
            msb = _access == 2 || (_access == 3 && _latchMsbNext);
            _latchMsbNext = _access == 3 && !_latchMsbNext;
            _countLatched = _latchMsbNext;
        }
        else
        {
            value = Value(now);
            msb = _access == 2 || (_access == 3 && _readMsbNext);
            if (_access == 3)
                _readMsbNext = !_readMsbNext;
        }
        return (byte)(msb ? value >> 8 : value);
    }

    /// <summary>A write of the counter's port: count bytes per the access mode.</summary>
    public void Write(byte value, long now)
    {
        switch (_access)
        {
            case 1:
                Load(value, now);
                break;
            case 2:
                Load(value << 8, now);
                break;
            case 3:
                if (!_writeMsbNext)
                {
                    _writeLsb = value;
                    _writeMsbNext = true;
                    // Mode 0: "Writing the first byte disables counting. OUT is set low immediately."
                    if (_mode == 0)
                        _countValid = false;
                    return;
                }
                _writeMsbNext = false;
                Load(_writeLsb | value << 8, now);
                break;
        }
    }

    /// <summary>Drives GATE; rising edges trigger modes 1 and 5 and restart modes 2 and 3.</summary>
    public void SetGate(bool level, long now)
    {
        Sync(now);
        if (level == _gate)
            return;
        if (!level)
        {
            _gateLowAt = now;
        }
        else if (_mode is 1 or 5 or 2 or 3)
        {
            if (_countValid)
            {
                _current = _reload;
                _start = now;
                _triggered = true;
                _hasPending = false;
            }
        }
        else
        {
            // Modes 0 and 4 pause while GATE is low and resume where they stopped.
            _start += now - _gateLowAt;
        }
        _gate = level;
    }

    /// <summary>The OUT pin at tick <paramref name="now"/>.</summary>
    public bool Out(long now)
    {
        Sync(now);
        if (!_countValid)
            return _mode != 0;
        var d = Elapsed(now);
        var n = _current;
        return _mode switch
        {
            0 => d >= n,
            1 => !_triggered || d >= n,
            2 => !_gate || d % n != n - 1,
            3 => !_gate || d % n < (n + 1) / 2,
            4 => d != n,
            _ => !_triggered || d != n,
        };
    }

    /// <summary>The first tick after <paramref name="tick"/> at which OUT rises, or <see cref="long.MaxValue"/>.</summary>
    public long NextRisingEdgeAfter(long tick)
    {
        if (!_countValid || (!_gate && _mode is 0 or 2 or 3 or 4) || (_mode is 1 or 5 && !_triggered))
            return long.MaxValue;
        var n = _current;
        long edge;
        if (_mode is 2 or 3)
        {
            // OUT returns high as each cycle ends: at start + k·n for k ≥ 1.
            var k = tick < _start ? 1 : (tick - _start) / n + 1;
            edge = _start + k * n;
            return _hasPending && _pendingAt < edge ? _pendingAt : edge;
        }
        // Modes 0 and 1 rise at terminal count; the strobes of modes 4 and 5 end one clock later.
        edge = _start + n + (_mode is 4 or 5 ? 1 : 0);
        return edge > tick ? edge : long.MaxValue;
    }

    private void Load(int raw, long now)
    {
        Sync(now);
        var n = _bcd ? FromBcd(raw) : raw;
        if (n == 0)
            n = _bcd ? 10000 : 0x10000;
        _reload = n;
        _nullCount = false;
        switch (_mode)
        {
            case 2:
            case 3:
                if (_countValid && _gate)
                {
                    // A new count written while counting is used from the end of the current cycle.
                    _pendingCount = n;
                    _pendingAt = NextRisingEdgeAfter(now);
                    _hasPending = true;
                    return;
                }
                break;
            case 1:
            case 5:
                // The new count waits for the next GATE trigger.
                if (!_countValid || !_triggered)
                    _current = n;
                _countValid = true;
                return;
        }
        _current = n;
        _start = now;
        if (!_gate)
            _gateLowAt = now;
        _countValid = true;
    }

    private void Sync(long now)
    {
        if (_hasPending && now >= _pendingAt)
        {
            _current = _pendingCount;
            _start = _pendingAt;
            _hasPending = false;
        }
    }

    private long Elapsed(long now)
    {
        var end = !_gate && _mode is 0 or 2 or 3 or 4 ? _gateLowAt : now;
        return Math.Max(0, end - _start);
    }

    private int Value(long now)
    {
        Sync(now);
        if (!_countValid)
            return 0;
        var n = _current;
        var modulus = _bcd ? 10000 : 0x10000;
        long v;
        if (_mode is 1 or 5 && !_triggered)
        {
            v = n;
        }
        else
        {
            var d = Elapsed(now);
            switch (_mode)
            {
                case 2:
                    v = n - d % n;
                    break;
                case 3:
                    // Mode 3 decrements by two each clock through each half of the square wave.
                    var phase = d % n;
                    var high = (n + 1) / 2;
                    v = (n & ~1) - 2 * (phase < high ? phase : phase - high);
                    break;
                default:
                    v = n - d;
                    break;
            }
        }
        var wrapped = (int)(((v % modulus) + modulus) % modulus);
        return _bcd ? ToBcd(wrapped) : wrapped;
    }

    private static int FromBcd(int raw) =>
        (raw >> 12 & 0xF) * 1000 + (raw >> 8 & 0xF) * 100 + (raw >> 4 & 0xF) * 10 + (raw & 0xF);

    private static int ToBcd(int value) =>
        value / 1000 << 12 | value / 100 % 10 << 8 | value / 10 % 10 << 4 | value % 10;
}
