using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Apic;

namespace LoaderHarness.Emulator.X86;

/// <summary>Maskable external interrupts: the INTR input, the controller hook and the one-instruction shadows.</summary>
public sealed partial class X86Cpu
{
    /// <summary>
    /// The instruction count (<see cref="RunControl.Total"/>) of the boundary right after an STI that set IF or a
    /// MOV SS / POP SS: no interrupt is recognised there (SDM Vol. 3A §6.8.3, Vol. 2B STI).
    /// </summary>
    private ulong _shadowBoundary = ulong.MaxValue;

    /// <summary>INTR: an interrupt controller's output line goes here.</summary>
    public InterruptInput InterruptInput => _interruptInput ??= new InterruptInput(BreakChain);

    /// <inheritdoc/>
    public IInterruptController? InterruptController { get; set; }

    /// <summary>
    /// The local APIC whose MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE, the x2APIC range) RDMSR/WRMSR reach and whose
    /// TPR is CR8; null for a CPU without one (those MSRs then come from <see cref="Msrs"/>).
    /// </summary>
    public LocalApic? LocalApic { get; set; }

    /// <summary>
    /// Ends the current run after the instruction executing now, as if its budget ran out: a device whose next event
    /// moved earlier (a timer armed by this instruction) gets the run loop to re-read it at once.
    /// </summary>
    public void EndSlice()
    {
        _run.Budget = Math.Min(_run.Budget, _run.Executed + 1);
        BreakChain();
    }

    /// <summary>Whether INTR is high and RFLAGS.IF set: an interrupt would be taken at the next boundary outside a shadow.</summary>
    public bool InterruptPending => _interruptInput is { IsAsserted: true } && (FlagsRest & FlagBits.IF) != 0;

    /// <summary>
    /// From the handler of an instruction that opens a shadow: the boundary after it takes no interrupt. When
    /// INTR is already high the chain returns to the loop, which runs exactly one more instruction and then
    /// takes the interrupt.
    /// </summary>
    internal void BeginInterruptShadow()
    {
        _shadowBoundary = _run.Total + 1;
        if (_interruptInput is { IsAsserted: true })
            BreakChain();
    }

    /// <summary>Whether the current boundary lies in an STI / MOV SS shadow.</summary>
    private bool InShadow => _run.Total == _shadowBoundary;

    /// <summary>
    /// At the instruction boundary before a chain: when INTR is high, RFLAGS.IF set, no shadow and a controller
    /// attached, runs the INTA cycle and delivers the vector like an external interrupt (no error code, return
    /// to the current RIP; SDM Vol. 3A §6.8.1, §6.12). IF going from 0 to 1 (STI, POPF, IRET) while INTR is
    /// high returns the chain to the loop, so the interrupt is taken at the first boundary that allows it.
    /// HLT still ends the run; whoever runs the CPU lets time pass and resumes it.
    /// </summary>
    private void TakePendingInterrupt()
    {
        if (_interruptInput is not { IsAsserted: true } || (FlagsRest & FlagBits.IF) == 0 || InterruptController is not { } controller)
            return;
        if (InShadow)
        {
            _shadowPending = true;
            return;
        }
        var vector = controller.Acknowledge();
        if (vector >= 0)
            Deliver(vector & 0xFF, 0, false, Rip, software: false);
    }

    /// <summary>Set when a pending interrupt waits out a shadow: the next chain runs one instruction only.</summary>
    private bool _shadowPending;
}
