using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;

namespace LoaderHarness.Emulator.X86;

/// <summary>Maskable external interrupts: the INTR input and the controller hook.</summary>
public sealed partial class X86Cpu
{
    private InterruptInput? _interruptInput;

    /// <summary>INTR: an interrupt controller's output line goes here.</summary>
    public InterruptInput InterruptInput => _interruptInput ??= new InterruptInput(BreakChain);

    /// <inheritdoc/>
    public IInterruptController? InterruptController { get; set; }

    /// <summary>
    /// At the instruction boundary before a chain: when INTR is high, RFLAGS.IF set and a controller is
    /// attached, runs the INTA cycle and delivers the vector like an external interrupt (no error code,
    /// return to the current RIP; SDM Vol. 3A §6.8.1, §6.12). An interrupt masked when INTR rose is seen at
    /// the first chain start after IF is set again (not always the very next instruction, and never inside
    /// the STI shadow). HLT still ends the run.
    /// </summary>
    private void TakePendingInterrupt()
    {
        if (_interruptInput is not { IsAsserted: true } || (FlagsRest & FlagBits.IF) == 0 || InterruptController is not { } controller)
            return;
        var vector = controller.Acknowledge();
        if (vector >= 0)
            Deliver(vector & 0xFF, 0, false, Rip, software: false);
    }
}
