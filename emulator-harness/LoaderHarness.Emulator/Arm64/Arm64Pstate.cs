namespace LoaderHarness.Emulator.Arm64;

/// <summary>PSTATE values in SPSR layout (Arm ARM DDI 0487, C5.2.18 SPSR_EL1).</summary>
public static class Arm64Pstate
{
    /// <summary>EL1 with SP_EL1 (M[3:0] = 0b0101), D, A, I and F masked: what Firecracker and Cloud Hypervisor set (0x3C5).</summary>
    public const ulong El1hMasked = 0x3C5;

    /// <summary>EL2 with SP_EL2 (M[3:0] = 0b1001), D, A, I and F masked (0x3C9).</summary>
    public const ulong El2hMasked = 0x3C9;

    /// <summary>All four DAIF mask bits (bits 9..6).</summary>
    public const ulong DaifMask = 0x3C0;

    /// <summary>Bits kept without meaning to the engine: SSBS (12), PAN (22), UAO (23), DIT (24), TCO (25).</summary>
    internal const ulong KeptBits = (1UL << 12) | (1UL << 22) | (1UL << 23) | (1UL << 24) | (1UL << 25);
}
