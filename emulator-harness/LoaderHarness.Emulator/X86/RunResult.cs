namespace LoaderHarness.Emulator.X86;

/// <summary>The outcome of one <see cref="X86Cpu.Run"/>.</summary>
/// <param name="Reason">Why the run stopped.</param>
/// <param name="Rip">RIP when it stopped (the instruction not yet executed, or the one after HLT).</param>
/// <param name="Instructions">Instructions completed during this run.</param>
/// <param name="Detail">Human-readable detail: the unimplemented mnemonic, the triple-fault chain, the port value.</param>
public readonly record struct RunResult(StopReason Reason, ulong Rip, ulong Instructions, string? Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason} at 0x{Rip:x} after {Instructions} instructions{(Detail is null ? "" : ": " + Detail)}";
}
