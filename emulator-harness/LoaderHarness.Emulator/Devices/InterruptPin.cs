namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The output a device drives, as a level it holds (a UART's INTRPT, an 8254's OUT, the RTC's IRQ#),
/// forwarded to the <see cref="IInterruptLine"/> it is wired to only when it changes. Wire it with a
/// <see cref="InterruptTrigger.Level"/> line: the pin already carries the chip's real waveform, and an
/// edge-sensing input (the 8259A's) finds the edges itself.
/// </summary>
public sealed class InterruptPin
{
    private IInterruptLine? _line;

    /// <summary>The level the device drives now (true = asserted).</summary>
    public bool Level { get; private set; }

    /// <summary>Where the pin is wired; on wiring, the line is brought to the pin's current level.</summary>
    public IInterruptLine? Line
    {
        get => _line;
        set
        {
            _line = value;
            value?.Set(Level);
        }
    }

    /// <summary>Drives the pin; the line hears only changes.</summary>
    public void Set(bool level)
    {
        if (level == Level)
            return;
        Level = level;
        _line?.Set(level);
    }

    /// <summary>
    /// A low-then-high transition, as a counter output that dips for one clock (8254 mode 2) or a
    /// square wave's rising edge looks to an edge-triggered input.
    /// </summary>
    public void Pulse()
    {
        Set(false);
        Set(true);
    }
}
