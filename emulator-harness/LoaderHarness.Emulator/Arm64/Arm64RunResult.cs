namespace LoaderHarness.Emulator.Arm64;

/// <summary>The outcome of one <see cref="Arm64Cpu.Run"/>.</summary>
/// <param name="Reason">Why the run stopped.</param>
/// <param name="Pc">PC when it stopped (the instruction not yet executed, or the one after WFI).</param>
/// <param name="Instructions">Instructions completed during this run.</param>
/// <param name="Detail">Human-readable detail: the unimplemented mnemonic, the PSCI call.</param>
public readonly record struct Arm64RunResult(Arm64StopReason Reason, ulong Pc, ulong Instructions, string? Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason} at 0x{Pc:x} after {Instructions} instructions{(Detail is null ? "" : ": " + Detail)}";
}
