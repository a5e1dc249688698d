namespace LoaderHarness.Emulator.Core;

/// <summary>The outcome of one <see cref="IGuestCpu.Run"/>.</summary>
/// <param name="Reason">Why the run stopped.</param>
/// <param name="Pc">The instruction pointer as the CPU reports it when it stopped (x86 RIP, arm64 PC): the instruction not yet executed, or the one after HLT/WFI.</param>
/// <param name="Instructions">Instructions completed during this run.</param>
/// <param name="Detail">Human-readable detail: the unimplemented mnemonic, the triple-fault chain, the port value, the PSCI call.</param>
public readonly record struct RunResult(StopReason Reason, ulong Pc, ulong Instructions, string? Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason} at 0x{Pc:x} after {Instructions} instructions{(Detail is null ? "" : ": " + Detail)}";
}
