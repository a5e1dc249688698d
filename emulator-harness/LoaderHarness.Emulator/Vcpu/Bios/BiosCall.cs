namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>One software interrupt that reached the BIOS: its vector, AX on entry, and whether the BIOS answered it.</summary>
public readonly record struct BiosCall(byte Vector, ushort Ax, bool Answered)
{
    /// <inheritdoc/>
    public override string ToString() => $"INT {Vector:X2}h AX={Ax:X4}h{(Answered ? "" : " (unanswered)")}";
}
