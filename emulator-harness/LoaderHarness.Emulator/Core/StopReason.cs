namespace LoaderHarness.Emulator.Core;

/// <summary>Why <see cref="IGuestCpu.Run"/> returned (either architecture; each value says which can report it).</summary>
public enum StopReason
{
    /// <summary>The instruction budget ran out.</summary>
    Budget,
    /// <summary>x86 HLT, arm64 WFI (or WFE with no event pending, or PSCI CPU_OFF of the only CPU): nothing can wake the CPU (no interrupt sources).</summary>
    Halt,
    /// <summary>x86: the guest wrote the debug-exit port.</summary>
    ExitPort,
    /// <summary>A breakpoint was reached (before executing the instruction there).</summary>
    Breakpoint,
    /// <summary>The requested stop address was reached (before executing the instruction there).</summary>
    AddressReached,
    /// <summary>x86: an exception could not be delivered even as a double fault: the CPU would shut down.</summary>
    TripleFault,
    /// <summary>A valid instruction (or arm64 system register) the engine does not implement, or an undefined encoding.</summary>
    Unimplemented,
    /// <summary>A branch to itself (x86 <c>jmp .</c>, arm64 <c>b .</c> or a branch back to a hint right before it): the kernel's <c>for (;;)</c> on fatal errors.</summary>
    SelfLoop,
    /// <summary>Instruction fetch from a physical address that is not RAM.</summary>
    FetchOutsideRam,
    /// <summary>arm64: the guest asked the harness's PSCI to power off (SYSTEM_OFF); either: the console said "reboot: Power down".</summary>
    PowerOff,
    /// <summary>arm64: the guest asked the harness's PSCI to reset (SYSTEM_RESET).</summary>
    Reset,
    /// <summary>arm64: an exception was taken while its own vector was being fetched: the CPU would loop forever.</summary>
    RecursiveException,
    /// <summary>The kernel panicked (arm64 reaching <c>panic</c>, or any kernel's console saying "Kernel panic - not syncing").</summary>
    Panic,
    /// <summary>x86: the guest called a BIOS service the harness's firmware does not answer; the detail names the interrupt and AX.</summary>
    UnansweredFirmwareCall,
    /// <summary>The run passed its wall-clock limit (<c>--timeout</c>): the host's safety net, not the guest's doing.</summary>
    Timeout,

    /// <summary>The process's resident memory passed its cap (<c>--max-host-memory</c>).</summary>
    HostMemoryLimit,

    /// <summary>A bug in the engine (an unexpected host exception); <see cref="RunResult.Detail"/> says what.</summary>
    InternalError,
}
