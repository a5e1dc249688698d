using LoaderHarness.Emulator.Devices;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// A CPU's interrupt request input (x86 INTR, arm64 IRQ): the sink an interrupt controller's output line is
/// wired to. Going high makes the CPU's run loop return to an instruction boundary, where it checks whether
/// the architecture accepts the interrupt and takes it; so the check costs nothing per instruction.
/// </summary>
public sealed class InterruptInput : IInterruptSink
{
    private readonly Action _attention;

    internal InterruptInput(Action attention) => _attention = attention;

    /// <summary>Whether the input is high.</summary>
    public bool IsAsserted { get; private set; }

    /// <inheritdoc/>
    public void SetLevel(int line, bool high)
    {
        IsAsserted = high;
        if (high)
            _attention();
    }
}
