namespace LoaderHarness.Emulator.Devices;

/// <summary>A device's interrupt output, wired to one input of an <see cref="IInterruptSink"/>.</summary>
public interface IInterruptLine
{
    /// <summary>The sink input this line drives.</summary>
    int Number { get; }

    /// <summary>Whether the device signals by level or by edge.</summary>
    InterruptTrigger Trigger { get; }

    /// <summary>Whether the line is high now (an edge line is high only during <see cref="Raise"/>).</summary>
    bool IsRaised { get; }

    /// <summary>Requests service: a level line goes (and stays) high; an edge line pulses (rising then falling edge).</summary>
    void Raise();

    /// <summary>Withdraws the request: a level line goes low; an edge line is already low.</summary>
    void Lower();

    /// <summary>Sets the line to <paramref name="high"/> (<see cref="Raise"/> or <see cref="Lower"/>).</summary>
    void Set(bool high);
}
