using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices.Timer;

/// <summary>
/// The PC's 8254 interval timer at 0x40–0x43 ("82C54 CHMOS Programmable Interval Timer"): counter 0
/// drives IRQ 0, counter 1 is the old DRAM-refresh counter, counter 2's GATE and OUT are bits 0 and 5
/// of port 0x61 (<see cref="SystemControlPortB"/>). The counters are clocked at
/// <see cref="TickRateHz"/> from the virtual clock, so what Linux reads when calibrating its TSC against
/// the PIT (arch/x86/kernel/tsc.c pit_calibrate_tsc, quick_pit_calibrate) follows the guest's own time.
/// </summary>
public sealed class Pit8254 : BytePortDevice, ITimedDevice
{
    /// <summary>Counter 0's data port; counters 1 and 2 follow, the control word is at 0x43.</summary>
    public const ushort BasePort = 0x40;

    /// <summary>The ISA interrupt counter 0's OUT drives.</summary>
    public const int Irq = 0;

    /// <summary>The timer input clock, 14.31818 MHz / 12, as Linux's PIT_TICK_RATE rounds it.</summary>
    public const long TickRateHz = 1_193_182;

    private const long NanosecondsPerSecond = 1_000_000_000;

    private readonly IVirtualClock _clock;
    private readonly PitChannel[] _channels = [new(), new(), new()];
    private long _lastUpdateTick;

    /// <summary>A timer whose counters run on <paramref name="clock"/>.</summary>
    public Pit8254(IVirtualClock clock)
    {
        _clock = clock;
    }

    /// <summary>Counter 0's OUT, wired to IRQ 0.</summary>
    public InterruptPin Irq0 { get; } = new();

    /// <summary>Counter <paramref name="index"/> (0–2).</summary>
    public PitChannel Channel(int index) => _channels[index];

    /// <summary>The current virtual time in timer ticks.</summary>
    public long NowTicks => NanosecondsToTicks(_clock.Nanoseconds);

    /// <summary>Ticks elapsed at <paramref name="nanoseconds"/> of virtual time (rounded down).</summary>
    public static long NanosecondsToTicks(long nanoseconds) =>
        (long)((Int128)nanoseconds * TickRateHz / NanosecondsPerSecond);

    /// <summary>The first virtual nanosecond at which <paramref name="ticks"/> ticks have elapsed.</summary>
    public static long TicksToNanoseconds(long ticks) =>
        ticks == long.MaxValue ? long.MaxValue
            : (long)(((Int128)ticks * NanosecondsPerSecond + TickRateHz - 1) / TickRateHz);

    /// <summary>Counter 2's OUT now (port 0x61 bit 5).</summary>
    public bool Channel2Out => _channels[2].Out(NowTicks);

    /// <summary>Drives counter 2's GATE (port 0x61 bit 0).</summary>
    public void SetChannel2Gate(bool level) => _channels[2].SetGate(level, NowTicks);

    /// <inheritdoc/>
    public long NextEventNanoseconds => TicksToNanoseconds(_channels[0].NextRisingEdgeAfter(_lastUpdateTick));

    /// <inheritdoc/>
    public void Update()
    {
        var now = NowTicks;
        var counter0 = _channels[0];
        // Every rising edge since the last update reaches the edge-sensed IRQ 0 input as one pulse; a
        // run loop that updates late merges ticks, as a busy 8259A merges edges into one IRR bit.
        if (counter0.NextRisingEdgeAfter(_lastUpdateTick) <= now)
            Irq0.Pulse();
        Irq0.Set(counter0.Out(now));
        _lastUpdateTick = now;
    }

    /// <inheritdoc/>
    public override byte ReadByte(ushort port)
    {
        var index = port - BasePort;
        // The control word register cannot be read; the data bus floats.
        if ((uint)index > 2)
            return 0xFF;
        return _channels[index].Read(NowTicks);
    }

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        Update();
        var now = NowTicks;
        var index = port - BasePort;
        if ((uint)index <= 2)
            _channels[index].Write(value, now);
        else
            WriteControl(value, now);
        Update();
    }

    private void WriteControl(byte value, long now)
    {
        var select = value >> 6;
        if (select == 3)
        {
            // Read-back command: bit 5 clear latches counts, bit 4 clear latches status, bits 3:1 pick
            // counters 2, 1, 0.
            for (var i = 0; i < 3; i++)
            {
                if ((value & (2 << i)) == 0)
                    continue;
                if ((value & 0x10) == 0)
                    _channels[i].LatchStatus(now);
                if ((value & 0x20) == 0)
                    _channels[i].LatchCount(now);
            }
            return;
        }
        // RW1:RW0 = 00 is the counter latch command; anything else programs the counter.
        if ((value & 0x30) == 0)
            _channels[select].LatchCount(now);
        else
            _channels[select].Program(value, now);
    }
}
