namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The hook an interrupt controller (8259, LAPIC, GIC) plugs into a CPU with. Devices' lines go to the
/// controller (it is their <see cref="IInterruptSink"/>); the controller drives the CPU's interrupt input
/// (<c>IGuestCpu.InterruptInput</c>) with an <see cref="InterruptLine"/>; when that input is high the CPU,
/// at an instruction boundary where the architecture accepts interrupts, acknowledges and takes one.
/// </summary>
public interface IInterruptController : IInterruptSink
{
    /// <summary>
    /// The CPU takes an interrupt: returns what the acknowledge cycle yields (x86 INTA: the vector) or -1
    /// when nothing is pending any more (a spurious request). On arm64 the guest reads the INTID from the
    /// GIC itself; the return value is ignored there.
    /// </summary>
    int Acknowledge();
}
