namespace LoaderHarness.Emulator.Arm64;

/// <summary>Why <see cref="Arm64Cpu.Run"/> returned.</summary>
public enum Arm64StopReason
{
    /// <summary>The instruction budget ran out.</summary>
    Budget,
    /// <summary>WFI, or WFE with no event pending: nothing can wake the CPU (no interrupt sources).</summary>
    Halt,
    /// <summary>A breakpoint was reached (before executing the instruction there).</summary>
    Breakpoint,
    /// <summary>The requested stop address was reached (before executing the instruction there).</summary>
    AddressReached,
    /// <summary>A valid instruction (or system register) the engine does not implement, or an undefined encoding.</summary>
    Unimplemented,
    /// <summary>A branch to itself, or to a hint right before it (<c>b .</c>, the kernel's <c>for (;;) cpu_relax();</c>).</summary>
    SelfLoop,
    /// <summary>Instruction fetch from a physical address that is not RAM.</summary>
    FetchOutsideRam,
    /// <summary>The guest asked the harness's PSCI to power off (SYSTEM_OFF).</summary>
    PowerOff,
    /// <summary>The guest asked the harness's PSCI to reset (SYSTEM_RESET).</summary>
    Reset,
    /// <summary>An exception was taken while its own vector was being fetched: the CPU would loop forever.</summary>
    RecursiveException,
    /// <summary>A bug in the engine (an unexpected host exception); <see cref="Arm64RunResult.Detail"/> says what.</summary>
    InternalError,
}
