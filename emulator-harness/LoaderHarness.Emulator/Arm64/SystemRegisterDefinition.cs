namespace LoaderHarness.Emulator.Arm64;

/// <summary>One system register the engine knows: its MRS/MSR encoding (op0, op1, CRn, CRm, op2) and behaviour.</summary>
/// <param name="Name">Architectural name, upper case (SCTLR_EL1).</param>
/// <param name="Key">Encoding bits [20:5] of MRS/MSR: op0[1:0] op1 CRn CRm op2.</param>
/// <param name="Kind">Behaviour.</param>
internal readonly record struct SystemRegisterDefinition(string Name, ushort Key, SystemRegisterKind Kind)
{
    /// <summary>The MRS/MSR key of (op0, op1, CRn, CRm, op2).</summary>
    public static ushort Encode(int op0, int op1, int crn, int crm, int op2) =>
        (ushort)((op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2);
}
