using LoaderHarness.Emulator.Devices;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What every engine offers the harness, whatever the architecture: guest memory and devices, run control,
/// memory watches, tracing and the console. Registers, system state and vCPU setup stay on the concrete
/// CPU (<c>X86Cpu</c>, <c>Arm64Cpu</c>). Not for the hot path: the engines never call through it.
/// </summary>
public interface IGuestCpu
{
    /// <summary>The instruction set this CPU executes.</summary>
    GuestArchitecture Architecture { get; }

    /// <summary>Guest-physical memory.</summary>
    GuestMemory Memory { get; }

    /// <summary>Port-I/O (x86) and MMIO devices.</summary>
    IoBus Bus { get; }

    /// <summary>The instruction pointer as the CPU reports it: x86 RIP (an offset in CS), arm64 PC.</summary>
    ulong Pc { get; set; }

    /// <summary>Instructions completed over the CPU's lifetime.</summary>
    ulong TotalInstructions { get; }

    /// <summary>
    /// Executes up to <paramref name="budget"/> instructions. Never throws: guest faults are delivered to the
    /// guest, and anything that ends the run is reported as a <see cref="StopReason"/>. A breakpoint at the
    /// starting address is stepped over, so calling Run again resumes.
    /// </summary>
    RunResult Run(ulong budget);

    /// <summary>Stops before executing the instruction at <paramref name="address"/> (x86 linear, arm64 virtual) with <see cref="StopReason.Breakpoint"/>.</summary>
    void AddBreakpoint(ulong address);

    /// <summary>Removes a breakpoint.</summary>
    void RemoveBreakpoint(ulong address);

    /// <summary>Stops when execution reaches <paramref name="address"/> (x86 linear, arm64 virtual) with <see cref="StopReason.AddressReached"/>.</summary>
    void AddStopAddress(ulong address);

    /// <summary>Removes a stop address.</summary>
    void RemoveStopAddress(ulong address);

    /// <summary>Records every guest data read and write touching guest-physical <c>[start, start + length)</c>.</summary>
    void WatchPhysical(ulong start, ulong length);

    /// <summary>Data accesses recorded inside the ranges given to <see cref="WatchPhysical"/>.</summary>
    IReadOnlyList<MemoryAccess> RecordedAccesses { get; }

    /// <summary>Forgets recorded accesses (the watches stay).</summary>
    void ClearRecordedAccesses();

    /// <summary>Drops every decoded instruction (needed only if guest code was changed from outside the CPU).</summary>
    void InvalidateCodeCache();

    /// <summary>The text the guest wrote to the console the harness shows: x86 debug port 0xE9, arm64 the PL011 UART.</summary>
    string ConsoleText { get; }

    /// <summary>The CPU's interrupt request input (x86 INTR, arm64 IRQ), for an interrupt controller's output line.</summary>
    InterruptInput InterruptInput { get; }

    /// <summary>
    /// The interrupt controller acknowledged when <see cref="InterruptInput"/> is high and the CPU accepts
    /// interrupts (x86 RFLAGS.IF, arm64 PSTATE.I clear); without one, a high input is never taken.
    /// </summary>
    IInterruptController? InterruptController { get; set; }

    /// <summary>When set, every executed instruction is written here.</summary>
    Tracer? Tracer { get; set; }

    /// <summary>
    /// Names an address (x86 linear, arm64 virtual) for reports, e.g. <c>start_kernel+0x1c</c>, or null when
    /// nothing is known there; used by <see cref="DescribePc"/>.
    /// </summary>
    Func<ulong, string?>? Symbolizer { get; set; }

    /// <summary>The current instruction's address, by <see cref="Symbolizer"/> when it names it, else in hex.</summary>
    string DescribePc();
}
