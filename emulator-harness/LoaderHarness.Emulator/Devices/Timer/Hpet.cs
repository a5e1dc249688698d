using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices.Timer;

/// <summary>
/// The High Precision Event Timer block QEMU 7.2's pc machine maps at 0xFED00000 (IA-PC HPET specification 1.0a), modelled
/// on hw/timer/hpet.c: a 64-bit main counter at 100 MHz (HPET_CLK_PERIOD 10 ns) running from virtual time while
/// ENABLE_CNF is set, three timers (HPET_MIN_TIMERS) with 64-bit comparators, periodic and one-shot modes, 32-bit mode,
/// level or edge interrupts on their Tn_INT_ROUTE_CNF line, and legacy replacement routing: timer 0 on IRQ 0 and timer 1
/// on IRQ 8, with the 8254's and the RTC's own outputs cut off (QEMU's HPET_LEGACY_PIT_INT / HPET_LEGACY_RTC_INT inputs,
/// which this device is the sink of: line 0 and line 8).
/// </summary>
/// <remarks>
/// Registers are 32 bits wide as hpet.c's MemoryRegionOps (<c>.valid.min_access_size = 4, .max_access_size = 4</c>) make
/// them: an 8-byte access is two 4-byte ones, low half first (QEMU's memory core splits it so); narrower accesses read 0
/// and write nothing (QEMU rejects them and reads unassigned memory). Timers past the third read 0 and ignore writes.
/// FSB (MSI) delivery is not offered (QEMU's "msi" property is off on pc, so Tn_FSB_INT_DEL_CAP is clear); a timer set to
/// it anyway raises nothing.
/// </remarks>
public sealed class Hpet : IMmioDevice, ITimedDevice, IInterruptSink
{
    /// <summary>include/hw/timer/hpet.h HPET_BASE: where the pc machine maps the block.</summary>
    public const ulong DefaultBase = 0xFED0_0000;
    /// <summary>include/hw/timer/hpet.h HPET_LEN 0x400: the register window.</summary>
    public const ulong WindowLength = 0x400;
    /// <summary>hw/timer/hpet.c HPET_CLK_PERIOD: nanoseconds per main-counter tick (100 MHz).</summary>
    public const long TickNanoseconds = 10;
    /// <summary>include/hw/timer/hpet.h HPET_MIN_TIMERS: the timers QEMU's HPET has by default.</summary>
    public const int TimerCount = 3;
    /// <summary>
    /// hw/timer/hpet.c hpet_realize: GCAP_ID's low half, 0x8086A001 | (timers − 1) &lt;&lt; 8: REV_ID 1, NUM_TIM_CAP 2,
    /// COUNT_SIZE_CAP (64-bit), LEG_RT_CAP, VENDOR_ID 0x8086 (HPET spec 1.0a §2.3.4).
    /// </summary>
    public const uint CapabilitiesLow = 0x8086_A001 | ((TimerCount - 1) << 8);
    /// <summary>COUNTER_CLK_PERIOD, GCAP_ID's high half: femtoseconds per tick (HPET_CLK_PERIOD × FS_PER_NS 1,000,000).</summary>
    public const uint PeriodFemtoseconds = (uint)(TickNanoseconds * 1_000_000);
    /// <summary>
    /// hw/i386/pc.c pc_basic_device_init: the pc-piix machines' HPET "intcap", IRQ 2 only, which hpet_reset puts in every
    /// timer's Tn_INT_ROUTE_CAP.
    /// </summary>
    public const uint PiixRouteCapabilities = 1 << 2;
    /// <summary>GEN_CONF ENABLE_CNF (bit 0) and LEG_RT_CNF (bit 1): hw/timer/hpet.c HPET_CFG_ENABLE, HPET_CFG_LEGACY; HPET_CFG_WRITE_MASK 3.</summary>
    public const ulong EnableBit = 1, LegacyBit = 2;

    /// <summary>hw/timer/hpet.c register offsets: HPET_ID, HPET_PERIOD, HPET_CFG, HPET_STATUS, HPET_COUNTER; timers from 0x100, 0x20 apart.</summary>
    public const ulong IdRegister = 0x000, PeriodRegister = 0x004, ConfigRegister = 0x010, StatusRegister = 0x020, CounterRegister = 0x0F0, TimerBase = 0x100;

    /// <summary>include/hw/rtc/mc146818rtc.h RTC_ISA_IRQ: the line timer 1 takes in legacy replacement.</summary>
    public const int RtcIrq = 8;

    private readonly IVirtualClock _clock;
    private readonly HpetComparator[] _timers = new HpetComparator[TimerCount];
    private readonly bool[] _outputLevels = new bool[32];
    private ulong _config, _isr, _counter;
    private long _offsetNanoseconds;
    private bool _pitLevel, _rtcLevel;

    /// <summary>An HPET on <paramref name="clock"/> as hw/timer/hpet.c hpet_reset leaves it, with <paramref name="routeCapabilities"/> in each timer.</summary>
    public Hpet(IVirtualClock clock, uint routeCapabilities = PiixRouteCapabilities)
    {
        _clock = clock;
        for (var i = 0; i < TimerCount; i++)
            _timers[i] = new HpetComparator(i, routeCapabilities);
    }

    /// <summary>Where the interrupt lines go, by number: the PC's global system interrupts (ISA IRQs below 16).</summary>
    public IInterruptSink? Output { get; set; }

    /// <summary>The timers (for inspection).</summary>
    public IReadOnlyList<HpetComparator> Timers => _timers;

    /// <summary>GEN_CONF ENABLE_CNF: the main counter runs and timers may interrupt.</summary>
    public bool IsEnabled => (_config & EnableBit) != 0;

    /// <summary>GEN_CONF LEG_RT_CNF: legacy replacement routing.</summary>
    public bool IsLegacyReplacement => (_config & LegacyBit) != 0;

    /// <summary>The main counter now: hw/timer/hpet.c hpet_get_ticks while enabled (virtual time plus the offset, in 10 ns ticks), else the held value.</summary>
    public ulong MainCounter => IsEnabled ? Ticks() : _counter;

    /// <inheritdoc/>
    public long NextEventNanoseconds
    {
        get
        {
            var next = long.MaxValue;
            foreach (var t in _timers)
                next = Math.Min(next, t.DeadlineNanoseconds);
            return next;
        }
    }

    /// <inheritdoc/>
    public void Update()
    {
        var now = _clock.Nanoseconds;
        foreach (var t in _timers)
        {
            if (t.DeadlineNanoseconds <= now)
                Fire(t);
        }
    }

    /// <summary>
    /// The legacy inputs (QEMU's hpet_handle_legacy_irq): the 8254's OUT0 on line 0 and the RTC's IRQ8 on line 8 pass
    /// through to the same lines unless legacy replacement is on.
    /// </summary>
    public void SetLevel(int line, bool high)
    {
        if (line == 0)
        {
            _pitLevel = high;
            if (!IsLegacyReplacement)
                Drive(0, high);
        }
        else if (line == RtcIrq)
        {
            _rtcLevel = high;
            if (!IsLegacyReplacement)
                Drive(RtcIrq, high);
        }
    }

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (size == 8)
            return Read32(offset) | ((ulong)Read32(offset + 4) << 32);
        return size == 4 ? Read32(offset) : 0;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (size == 8)
        {
            Write32(offset, (uint)value);
            Write32(offset + 4, (uint)(value >> 32));
        }
        else if (size == 4)
            Write32(offset, (uint)value);
    }

    /// <summary>hw/timer/hpet.c hpet_ram_read for a 4-byte access.</summary>
    private uint Read32(ulong offset)
    {
        if (offset >= TimerBase)
        {
            return Timer(offset) is { } t ? t.Read32((offset - TimerBase) % 0x20) : 0;
        }
        return offset switch
        {
            IdRegister => CapabilitiesLow,
            PeriodRegister => PeriodFemtoseconds,
            ConfigRegister => (uint)_config,
            StatusRegister => (uint)_isr,
            CounterRegister => (uint)MainCounter,
            CounterRegister + 4 => (uint)(MainCounter >> 32),
            _ => 0,
        };
    }

    /// <summary>hw/timer/hpet.c hpet_ram_write for a 4-byte access.</summary>
    private void Write32(ulong offset, uint value)
    {
        var old = Read32(offset);
        if (offset >= TimerBase)
        {
            if (Timer(offset) is { } t)
                WriteTimer(t, (offset - TimerBase) % 0x20, old, value);
            return;
        }
        switch (offset)
        {
            case ConfigRegister:
                _config = (_config & ~0xFFFF_FFFFUL) | Fixup(value, old, EnableBit | LegacyBit);
                if (Activating(old, value, EnableBit))
                {
                    // Enable: the counter resumes from the held value.
                    _offsetNanoseconds = (long)_counter * TickNanoseconds - _clock.Nanoseconds;
                    foreach (var t in _timers)
                    {
                        if (t.Comparator != ulong.MaxValue)
                            Arm(t);
                    }
                }
                else if (Deactivating(old, value, EnableBit))
                {
                    _counter = Ticks();
                    foreach (var t in _timers)
                        Disarm(t);
                }
                // "i8254 and RTC output pins are disabled when HPET is in legacy mode".
                if (Activating(old, value, LegacyBit))
                {
                    Drive(0, false);
                    Drive(RtcIrq, false);
                }
                else if (Deactivating(old, value, LegacyBit))
                {
                    Drive(0, _pitLevel);
                    Drive(RtcIrq, _rtcLevel);
                }
                break;
            case StatusRegister:
                // GINTR_STA: writing 1 clears a level-triggered timer's status (and lowers its line).
                for (var i = 0; i < TimerCount; i++)
                {
                    if ((value & _isr & (1u << i)) != 0)
                        UpdateIrq(_timers[i], false);
                }
                break;
            case CounterRegister:
                _counter = (_counter & ~0xFFFF_FFFFUL) | value;
                break;
            case CounterRegister + 4:
                _counter = (_counter & 0xFFFF_FFFFUL) | ((ulong)value << 32);
                break;
        }
    }

    private void WriteTimer(HpetComparator t, ulong register, uint old, uint value)
    {
        switch (register)
        {
            case 0x00:
                if (Activating(old, value, HpetComparator.FsbEnable))
                    UpdateIrq(t, false);
                t.Configuration = (t.Configuration & ~0xFFFF_FFFFUL) | Fixup(value, old, HpetComparator.WriteMask);
                if ((value & HpetComparator.ThirtyTwoBitMode) != 0)
                {
                    t.Comparator = (uint)t.Comparator;
                    t.Period = (uint)t.Period;
                }
                if (Activating(old, value, HpetComparator.InterruptEnable) && IsEnabled)
                    Arm(t);
                else if (Deactivating(old, value, HpetComparator.InterruptEnable))
                    Disarm(t);
                break;
            case 0x08:
            case 0x0C:
                WriteComparator(t, register == 0x0C, value);
                break;
            case 0x10:
            case 0x14:
                t.WriteFsbRoute(register == 0x14, value);
                break;
        }
    }

    /// <summary>
    /// hpet_ram_write HPET_TN_CMP / HPET_TN_CMP + 4: a one-shot timer, or a periodic one with Tn_VAL_SET_CNF, takes the
    /// value as its comparator; a periodic one takes it as its period (clamped to half the range). Either way
    /// Tn_VAL_SET_CNF clears and an enabled block re-arms the timer.
    /// </summary>
    private void WriteComparator(HpetComparator t, bool high, uint value)
    {
        ulong v = value;
        if (!high)
        {
            if (!t.IsPeriodic || (t.Configuration & HpetComparator.ValueSet) != 0)
                t.Comparator = (t.Comparator & ~0xFFFF_FFFFUL) | v;
            if (t.IsPeriodic)
            {
                v &= (t.Is32Bit ? uint.MaxValue : ulong.MaxValue) >> 1;
                t.Period = (t.Period & ~0xFFFF_FFFFUL) | v;
            }
        }
        else if (!t.IsPeriodic || (t.Configuration & HpetComparator.ValueSet) != 0)
            t.Comparator = (t.Comparator & 0xFFFF_FFFFUL) | (v << 32);
        else
        {
            v &= (t.Is32Bit ? uint.MaxValue : ulong.MaxValue) >> 1;
            t.Period = (t.Period & 0xFFFF_FFFFUL) | (v << 32);
        }
        t.Configuration &= ~HpetComparator.ValueSet;
        if (IsEnabled)
            Arm(t);
    }

    /// <summary>hw/timer/hpet.c hpet_set_timer: fire at the comparator, or first at the wrap of a one-shot 32-bit timer.</summary>
    private void Arm(HpetComparator t)
    {
        var now = Ticks();
        t.WrapPending = false;
        var diff = t.TicksUntilComparator(now);
        if (t.Is32Bit && !t.IsPeriodic)
        {
            var wrap = uint.MaxValue - (uint)now;
            if (wrap < (uint)diff)
            {
                diff = wrap;
                t.WrapPending = true;
            }
        }
        t.DeadlineNanoseconds = _clock.Nanoseconds + (long)diff * TickNanoseconds;
    }

    /// <summary>hw/timer/hpet.c hpet_del_timer.</summary>
    private void Disarm(HpetComparator t)
    {
        t.DeadlineNanoseconds = long.MaxValue;
        UpdateIrq(t, false);
    }

    /// <summary>
    /// hw/timer/hpet.c hpet_timer, the timer's expiry: a periodic timer moves its comparator past the counter by whole
    /// periods and re-arms for it; a one-shot 32-bit timer that fired at the wrap re-arms for the comparator; then the interrupt.
    /// </summary>
    private void Fire(HpetComparator t)
    {
        t.DeadlineNanoseconds = long.MaxValue;
        var now = Ticks();
        if (t.IsPeriodic && t.Period != 0)
        {
            // The comparator moves on past the counter by whole periods. At or past it, not only past it as hpet.c's
            // hpet_time_after tests: expiring exactly on the comparator (which virtual time here always does, and QEMU's
            // late-running timers seldom) would otherwise leave it there and fire again one tick later, a spurious
            // interrupt the spec's "when the main counter matches, the comparator is incremented" (§2.3.9.2.2) has not.
            if (t.Is32Bit)
            {
                while ((int)((uint)t.Comparator - (uint)now) <= 0)
                    t.Comparator = (uint)(t.Comparator + t.Period);
            }
            else
            {
                while ((long)(t.Comparator - now) <= 0)
                    t.Comparator += t.Period;
            }
            t.DeadlineNanoseconds = _clock.Nanoseconds + (long)t.TicksUntilComparator(now) * TickNanoseconds;
        }
        else if (t.Is32Bit && !t.IsPeriodic && t.WrapPending)
        {
            t.DeadlineNanoseconds = _clock.Nanoseconds + (long)t.TicksUntilComparator(now) * TickNanoseconds;
            t.WrapPending = false;
        }
        UpdateIrq(t, true);
    }

    /// <summary>
    /// hw/timer/hpet.c update_irq: in legacy replacement timer 0 drives line 0 and timer 1 line 8, otherwise Tn_INT_ROUTE_CNF's
    /// line. Lowering (or a disabled timer or block) clears the status bit and the line; a level-triggered timer sets its
    /// status bit and raises the line until software clears it; an edge-triggered one pulses.
    /// </summary>
    private void UpdateIrq(HpetComparator t, bool set)
    {
        var route = t.Index <= 1 && IsLegacyReplacement ? (t.Index == 0 ? 0 : RtcIrq) : t.Route;
        var mask = 1UL << t.Index;
        if (!set || !t.Enabled || !IsEnabled)
        {
            _isr &= ~mask;
            if (!t.IsFsbRouted)
                Drive(route, false);
        }
        else if (t.IsFsbRouted)
            return;
        else if (t.IsLevelTriggered)
        {
            _isr |= mask;
            Drive(route, true);
        }
        else
        {
            _isr &= ~mask;
            Drive(route, true);
            Drive(route, false);
        }
    }

    private void Drive(int line, bool high)
    {
        if (_outputLevels[line] == high)
            return;
        _outputLevels[line] = high;
        Output?.SetLevel(line, high);
    }

    private ulong Ticks() => (ulong)((_clock.Nanoseconds + _offsetNanoseconds) / TickNanoseconds);

    private HpetComparator? Timer(ulong offset)
    {
        var index = (offset - TimerBase) / 0x20;
        return index < TimerCount ? _timers[index] : null;
    }

    /// <summary>hw/timer/hpet.c hpet_fixup_reg: the written bits under <paramref name="mask"/>, the old ones elsewhere.</summary>
    private static ulong Fixup(uint value, uint old, ulong mask) => (value & mask) | (old & ~mask);

    private static bool Activating(uint old, uint value, ulong bit) => (old & bit) == 0 && (value & bit) != 0;

    private static bool Deactivating(uint old, uint value, ulong bit) => (old & bit) != 0 && (value & bit) == 0;
}
