namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// A wire from a device to input <see cref="Number"/> of a sink. The sink hears only changes: a level line
/// tells it when it goes high and when it goes low; an edge line delivers a rising and a falling edge per
/// request (QEMU's <c>qemu_irq_pulse</c>, include/hw/irq.h), so an edge-triggered input latches it once.
/// </summary>
public sealed class InterruptLine(IInterruptSink sink, int number, InterruptTrigger trigger = InterruptTrigger.Level) : IInterruptLine
{
    /// <inheritdoc/>
    public int Number { get; } = number;

    /// <inheritdoc/>
    public InterruptTrigger Trigger { get; } = trigger;

    /// <inheritdoc/>
    public bool IsRaised { get; private set; }

    /// <inheritdoc/>
    public void Raise()
    {
        if (IsRaised)
            return;
        IsRaised = true;
        sink.SetLevel(Number, true);
        if (Trigger == InterruptTrigger.Edge)
            Lower();
    }

    /// <inheritdoc/>
    public void Lower()
    {
        if (!IsRaised)
            return;
        IsRaised = false;
        sink.SetLevel(Number, false);
    }

    /// <inheritdoc/>
    public void Set(bool high)
    {
        if (high)
            Raise();
        else
            Lower();
    }
}
