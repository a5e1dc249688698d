namespace LoaderHarness.Emulator.Arm64;

/// <summary>An exception the CPU took (for diagnosis: the kernel's early exception paths end in a panic loop).</summary>
/// <param name="FromEl">EL it was taken from.</param>
/// <param name="ToEl">EL it was taken to.</param>
/// <param name="Esr">ESR_ELx written (EC in bits 31:26).</param>
/// <param name="Far">FAR_ELx written, for aborts; 0 otherwise.</param>
/// <param name="Elr">ELR_ELx written: the preferred return address.</param>
/// <param name="Vector">The vector address execution continued at.</param>
public readonly record struct Arm64ExceptionRecord(int FromEl, int ToEl, uint Esr, ulong Far, ulong Elr, ulong Vector)
{
    /// <summary>ESR_ELx.EC.</summary>
    public uint ExceptionClass => Esr >> 26;

    /// <inheritdoc/>
    public override string ToString() =>
        $"EL{FromEl}→EL{ToEl} EC 0x{ExceptionClass:x} ESR 0x{Esr:x} FAR 0x{Far:x} ELR 0x{Elr:x} → 0x{Vector:x}";
}
