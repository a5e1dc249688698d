namespace LoaderHarness.Emulator.Arm64;

/// <summary>Capstone's rendering of one instruction word.</summary>
/// <param name="Mnemonic">Mnemonic (aliases preferred: <c>mov</c>, <c>cmp</c>, <c>lsl</c>).</param>
/// <param name="Operands">Operand text; PC-relative targets are shown relative to address 0.</param>
public sealed record A64Text(string Mnemonic, string Operands)
{
    /// <inheritdoc/>
    public override string ToString() => Operands.Length == 0 ? Mnemonic : $"{Mnemonic} {Operands}";
}
