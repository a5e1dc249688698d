namespace LoaderHarness.Emulator.X86;

/// <summary>Why <see cref="X86Cpu.Run"/> returned.</summary>
public enum StopReason
{
    /// <summary>The instruction budget ran out.</summary>
    Budget,
    /// <summary>HLT executed (there is no interrupt source to wake the CPU).</summary>
    Halt,
    /// <summary>The guest wrote the debug-exit port.</summary>
    ExitPort,
    /// <summary>A breakpoint was reached (before executing the instruction there).</summary>
    Breakpoint,
    /// <summary>The requested stop address was reached (before executing the instruction there).</summary>
    AddressReached,
    /// <summary>An exception could not be delivered even as a double fault: the CPU would shut down.</summary>
    TripleFault,
    /// <summary>A valid instruction the engine does not implement.</summary>
    Unimplemented,
    /// <summary>An unconditional jump to itself (<c>jmp .</c>, the kernel's <c>for(;;)</c> on fatal errors).</summary>
    SelfLoop,
    /// <summary>Instruction fetch from a physical address that is not RAM.</summary>
    FetchOutsideRam,
    /// <summary>A bug in the engine (an unexpected host exception); <see cref="RunResult.Detail"/> says what.</summary>
    InternalError,
}
