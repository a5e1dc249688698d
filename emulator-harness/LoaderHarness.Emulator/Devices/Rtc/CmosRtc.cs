using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices.Rtc;

/// <summary>
/// The PC's CMOS real-time clock, a Motorola MC146818A behind index port 0x70 (bit 7 masks NMI) and
/// data port 0x71: time, calendar and alarm registers in BCD or binary and 12- or 24-hour form per
/// register B, register A's update-in-progress bit, register C's interrupt flags driving IRQ 8,
/// register D's valid-RAM bit, and the rest of the 128 bytes as battery-backed RAM (0x32 holds the
/// century, as the PC/AT BIOS and ACPI's FADT CENTURY field place it). Time is a configured start date
/// plus the virtual clock, so every run reads the same dates; the host's clock is never consulted.
/// </summary>
/// <remarks>
/// Section references are to the MC146818A datasheet: "Update Cycle" (UIP is 1 for the 244 µs before
/// each once-a-second update), "Register A" (DV2–DV0 and RS3–RS0), "Register B" (SET, PIE, AIE, UIE,
/// DM, 24/12), "Register C" (IRQF, PF, AF, UF, cleared by reading) and "Register D" (VRT). The update
/// itself is instantaneous: registers read during the 244 µs still show the old second, which is what
/// Linux's mc146818_get_time waits out (drivers/rtc/rtc-mc146818-lib.c). The day-of-week register is
/// computed from the date (1 = Sunday) instead of counting from whatever was written to it.
/// </remarks>
public sealed class CmosRtc : BytePortDevice, ITimedDevice
{
    /// <summary>Index port; data follows at 0x71.</summary>
    public const ushort IndexPort = 0x70;

    /// <summary>The ISA interrupt register C's IRQF drives.</summary>
    public const int Irq = 8;

    /// <summary>The default start of time: a fixed date so runs are reproducible.</summary>
    public static readonly DateTime DefaultStart = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private const long Second = 1_000_000_000;

    /// <summary>UIP lead: 8 cycles of the 32.768 kHz time base, 244.140625 µs.</summary>
    private const long UipNanoseconds = 8 * Second / 32768;

    private const byte RegA = 0x0A, RegB = 0x0B, RegC = 0x0C, RegD = 0x0D, Century = 0x32;
    private const byte Uip = 0x80, SetBit = 0x80, Pie = 0x40, Aie = 0x20, Uie = 0x10, Irqf = 0x80, Vrt = 0x80;

    /// <summary>DV2–DV0 = 010: the 32.768 kHz time base with the divider running.</summary>
    private const byte DividerRunning = 0x20;

    private readonly IVirtualClock _clock;
    private readonly byte[] _ram = new byte[128];
    private DateTime _base;
    private long _anchor, _lastSync;
    private byte _index, _flags;

    /// <summary>An RTC showing <paramref name="start"/> (UTC; default <see cref="DefaultStart"/>) at virtual time 0.</summary>
    public CmosRtc(IVirtualClock clock, DateTime? start = null)
    {
        _clock = clock;
        _base = start ?? DefaultStart;
        _anchor = 0;
        _lastSync = clock.Nanoseconds;
        // What PC firmware leaves: 32.768 kHz divider, 1024 Hz periodic rate; BCD, 24-hour; VRT set.
        _ram[RegA] = DividerRunning | 0x06;
        _ram[RegB] = RtcEncoding.TwentyFourHour;
        _ram[RegD] = Vrt;
    }

    /// <summary>IRQ 8, following register C's IRQF.</summary>
    public InterruptPin Irq8 { get; } = new();

    /// <summary>Whether the last index write had bit 7 set (NMI masked).</summary>
    public bool NmiDisabled { get; private set; }

    /// <summary>The date and time the clock shows now.</summary>
    public DateTime Now => Running ? _base.AddSeconds(Elapsed(_clock.Nanoseconds) / Second) : _base;

    /// <summary>Battery-backed RAM byte <paramref name="index"/> (firmware fills it before boot).</summary>
    public byte this[int index]
    {
        get => _ram[index];
        set => _ram[index] = value;
    }

    /// <summary>The divider chain runs: periodic flags tick.</summary>
    private bool DividerOn => (_ram[RegA] & 0x70) == DividerRunning;

    /// <summary>The divider runs and SET does not inhibit updates: the time advances.</summary>
    private bool Running => (_ram[RegB] & SetBit) == 0 && DividerOn;

    /// <inheritdoc/>
    public long NextEventNanoseconds
    {
        get
        {
            var next = long.MaxValue;
            if (Running && (_ram[RegB] & (Uie | Aie)) != 0)
                next = _anchor + (Elapsed(_lastSync) / Second + 1) * Second;
            var hz = PeriodicHz();
            if (DividerOn && (_ram[RegB] & Pie) != 0 && hz > 0)
            {
                var edges = PeriodicEdges(_lastSync, hz) + 1;
                next = Math.Min(next, _anchor + (long)(((Int128)edges * Second + hz - 1) / hz));
            }
            return next;
        }
    }

    /// <inheritdoc/>
    public void Update() => Sync(_clock.Nanoseconds);

    /// <inheritdoc/>
    public override byte ReadByte(ushort port)
    {
        // Port 0x70 is write-only on the PC; its reads float.
        if (port == IndexPort)
            return 0xFF;
        var now = _clock.Nanoseconds;
        Sync(now);
        switch (_index)
        {
            case RegA:
                var uip = Running && Elapsed(now) % Second >= Second - UipNanoseconds;
                return (byte)((_ram[RegA] & 0x7F) | (uip ? Uip : 0));
            case RegC:
                var c = _flags;
                _flags = 0;
                Irq8.Set(false);
                return c;
            case RegD:
                return Vrt;
        }
        return IsClockField(_index) ? ReadClockField(_index, Now) : _ram[_index];
    }

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        if (port == IndexPort)
        {
            _index = (byte)(value & 0x7F);
            NmiDisabled = (value & 0x80) != 0;
            return;
        }
        var now = _clock.Nanoseconds;
        Sync(now);
        switch (_index)
        {
            case RegA:
                var leavingReset = !DividerOn && (value & 0x70) == DividerRunning;
                Freeze(now);
                _ram[RegA] = (byte)(value & 0x7F);
                if (leavingReset)
                {
                    // Leaving divider reset, "the first update cycle begins one-half second later".
                    _anchor = now - Second / 2;
                    _lastSync = now;
                }
                else
                {
                    Resume(now);
                }
                break;
            case RegB:
                Freeze(now);
                // Setting SET clears UIE.
                _ram[RegB] = (value & SetBit) != 0 ? (byte)(value & ~Uie) : value;
                Resume(now);
                UpdateIrq();
                break;
            case RegC:
            case RegD:
                break; // read-only
            default:
                if (IsClockField(_index))
                {
                    Freeze(now);
                    WriteClockField(_index, value);
                    Resume(now);
                }
                else
                {
                    _ram[_index] = value;
                }
                break;
        }
    }

    private static bool IsClockField(byte index) =>
        index is 0 or 2 or 4 or 6 or 7 or 8 or 9 or Century;

    private byte ReadClockField(byte index, DateTime t)
    {
        var b = _ram[RegB];
        return index switch
        {
            0 => RtcEncoding.Encode(t.Second, b),
            2 => RtcEncoding.Encode(t.Minute, b),
            4 => RtcEncoding.EncodeHours(t.Hour, b),
            6 => RtcEncoding.Encode((int)t.DayOfWeek + 1, b),
            7 => RtcEncoding.Encode(t.Day, b),
            8 => RtcEncoding.Encode(t.Month, b),
            9 => RtcEncoding.Encode(t.Year % 100, b),
            _ => RtcEncoding.Encode(t.Year / 100, b),
        };
    }

    private void WriteClockField(byte index, byte value)
    {
        var b = _ram[RegB];
        var t = _base;
        int year = t.Year, month = t.Month, day = t.Day, hour = t.Hour, minute = t.Minute, second = t.Second;
        var v = index == 4 ? RtcEncoding.DecodeHours(value, b) : RtcEncoding.Decode(value, b);
        switch (index)
        {
            case 0: second = v; break;
            case 2: minute = v; break;
            case 4: hour = v; break;
            case 6: return; // the weekday follows from the date
            case 7: day = v; break;
            case 8: month = v; break;
            case 9: year = year / 100 * 100 + v; break;
            default: year = v * 100 + year % 100; break;
        }
        // Fields are written one at a time (set_time writes year, month, day...), so clamp each
        // intermediate date into range instead of rejecting it.
        year = Math.Clamp(year, 1, 9999);
        month = Math.Clamp(month, 1, 12);
        day = Math.Clamp(day, 1, DateTime.DaysInMonth(year, month));
        _base = new DateTime(year, month, day, Math.Clamp(hour, 0, 23), Math.Clamp(minute, 0, 59),
            Math.Clamp(second, 0, 59), DateTimeKind.Utc);
    }

    /// <summary>Folds elapsed whole seconds into <see cref="_base"/> so registers can be edited.</summary>
    private void Freeze(long now)
    {
        if (!Running)
            return;
        var seconds = Elapsed(now) / Second;
        _base = _base.AddSeconds(seconds);
        _anchor += seconds * Second;
    }

    /// <summary>Restarts counting at <paramref name="now"/>, keeping the divider's phase.</summary>
    private void Resume(long now)
    {
        if (!Running)
            return;
        if (now - _anchor >= Second || now < _anchor)
            _anchor = now - (now - _anchor) % Second;
        _lastSync = now;
    }

    private long Elapsed(long now) => Math.Max(0, now - _anchor);

    private int PeriodicHz()
    {
        // Register A RS3–RS0 with the 32.768 kHz base: 0 = none, 1 and 2 = 256 and 128 Hz,
        // 3–15 = 8192 Hz down to 2 Hz.
        var rs = _ram[RegA] & 0x0F;
        return rs == 0 ? 0 : rs <= 2 ? 65536 >> (rs + 7) : 65536 >> rs;
    }

    private long PeriodicEdges(long t, int hz) => (long)((Int128)Elapsed(t) * hz / Second);

    /// <summary>Latches the flags of every update, alarm and periodic edge up to <paramref name="now"/>.</summary>
    private void Sync(long now)
    {
        if (now <= _lastSync)
            return;
        if (Running)
        {
            var from = Elapsed(_lastSync) / Second;
            var to = Elapsed(now) / Second;
            if (to > from)
            {
                _flags |= Uie; // UF shares its bit position with UIE
                // Alarm: each crossed second is compared; a day covers every alarm pattern.
                for (var s = Math.Max(from + 1, to - 86400); s <= to; s++)
                    if (AlarmMatches(_base.AddSeconds(s)))
                    {
                        _flags |= Aie; // AF
                        break;
                    }
            }
        }
        // The periodic divider taps keep running while SET only holds the time registers.
        var hz = PeriodicHz();
        if (DividerOn && hz > 0 && PeriodicEdges(now, hz) > PeriodicEdges(_lastSync, hz))
            _flags |= Pie; // PF
        _lastSync = now;
        UpdateIrq();
    }

    private bool AlarmMatches(DateTime t)
    {
        // An alarm byte with both top bits set is "don't care".
        static bool Match(byte alarm, byte current) => (alarm & 0xC0) == 0xC0 || alarm == current;
        return Match(_ram[1], ReadClockField(0, t)) && Match(_ram[3], ReadClockField(2, t))
            && Match(_ram[5], ReadClockField(4, t));
    }

    private void UpdateIrq()
    {
        var pending = (_flags & _ram[RegB] & (Pie | Aie | Uie)) != 0;
        if (pending)
            _flags |= Irqf;
        Irq8.Set((_flags & Irqf) != 0);
    }
}
