using LoaderHarness.Emulator.Devices;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>
/// The smallest interrupt controller for tests: a rising edge on any input latches a request and raises the
/// output to the CPU; the CPU's acknowledge clears it and yields <paramref name="vector"/>.
/// </summary>
internal sealed class LatchingController(int vector) : IInterruptController
{
    /// <summary>The line to the CPU's interrupt input.</summary>
    public IInterruptLine? Output { get; set; }

    /// <summary>How many times the CPU acknowledged.</summary>
    public int Acknowledged { get; private set; }

    /// <inheritdoc/>
    public void SetLevel(int line, bool high)
    {
        if (high)
            Output!.Raise();
    }

    /// <inheritdoc/>
    public int Acknowledge()
    {
        Acknowledged++;
        Output!.Lower();
        return vector;
    }
}
