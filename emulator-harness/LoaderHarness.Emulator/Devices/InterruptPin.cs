namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// A device's interrupt output pin: the level the device drives, and whoever listens to it (an
/// interrupt controller's input). Devices only ever call <see cref="Set"/>; how the level reaches a
/// controller is decided in <see cref="Connect"/>, the one place to switch to a shared interrupt-line
/// type.
/// </summary>
public sealed class InterruptPin
{
    private Action<bool>? _listener;

    /// <summary>The level the device drives now (true = asserted).</summary>
    public bool Level { get; private set; }

    /// <summary>Routes level changes to <paramref name="listener"/> and tells it the current level.</summary>
    public void Connect(Action<bool> listener)
    {
        _listener = listener;
        listener(Level);
    }

    /// <summary>Drives the pin; listeners hear only changes.</summary>
    public void Set(bool level)
    {
        if (level == Level)
            return;
        Level = level;
        _listener?.Invoke(level);
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
