namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// What the identification registers report. The default describes a plain ARMv8.0-A core: 4 KiB
/// granule only, 48-bit PA, 16-bit ASIDs, no FP/AdvSIMD/LSE/PAC/BTI/SVE/MTE/VHE and no PMU,
/// so feature-probing code takes its simplest paths. Field layouts: Arm ARM DDI 0487, D19.2.
/// </summary>
public sealed record Arm64Identity
{
    /// <summary>MIDR_EL1: Arm Cortex-A57 r1p0 (implementer 0x41, part 0xD07).</summary>
    public ulong Midr { get; init; } = 0x411F_D070;

    /// <summary>MPIDR_EL1: bit 31 RES1, uniprocessor bit clear, affinity 0.</summary>
    public ulong Mpidr { get; init; } = 0x8000_0000;

    /// <summary>
    /// ID_AA64PFR0_EL1: EL0/EL1/EL2 AArch64-only (1 each), no EL3, FP [19:16] and AdvSIMD [23:20] not implemented
    /// (0xF: the engine executes no FP/SIMD instructions, so Linux takes its ARM64_HAS_NO_FPSIMD path and never
    /// saves or restores the V registers), no GIC system registers in the identity itself. The EL2 field reads 0
    /// unless the guest owns EL2; the GIC field reads 1 while a GICv3 is connected (<c>Arm64Cpu.ConnectGic</c>).
    /// </summary>
    public ulong IdAa64Pfr0 { get; init; } = 0x00FF_0111;

    /// <summary>ID_AA64PFR1_EL1: no BTI, SSBS, MTE, SME.</summary>
    public ulong IdAa64Pfr1 { get; init; }

    /// <summary>ID_AA64DFR0_EL1: debug v8 (6), 6 breakpoints, 4 watchpoints, 2 context comparators, no PMU/SPE/TRBE.</summary>
    public ulong IdAa64Dfr0 { get; init; } = 0x1030_5006;

    /// <summary>ID_AA64ISAR0_EL1: no AES/SHA/CRC32/atomics/RNDR.</summary>
    public ulong IdAa64Isar0 { get; init; }

    /// <summary>ID_AA64ISAR1_EL1: no PAC, DPB, LRCPC.</summary>
    public ulong IdAa64Isar1 { get; init; }

    /// <summary>ID_AA64MMFR0_EL1: PARange 48 bits (5), 16-bit ASID (2), TGran4 supported (0), TGran64 not (0xF), TGran16 not (0).</summary>
    public ulong IdAa64Mmfr0 { get; init; } = 0x0F00_0025;

    /// <summary>ID_AA64MMFR1_EL1: no hardware AF/DBM, VHE, PAN, LOR.</summary>
    public ulong IdAa64Mmfr1 { get; init; }

    /// <summary>ID_AA64MMFR2_EL1: no LVA, UAO, CnP.</summary>
    public ulong IdAa64Mmfr2 { get; init; }

    /// <summary>CTR_EL0: 64-byte I and D lines, PIPT I-cache, bit 31 RES1.</summary>
    public ulong Ctr { get; init; } = 0x8444_C004;

    /// <summary>DCZID_EL0: DC ZVA allowed, 64-byte blocks.</summary>
    public ulong Dczid { get; init; } = 4;

    /// <summary>CLIDR_EL1: separate L1 I/D, unified L2 (Cortex-A57's value).</summary>
    public ulong Clidr { get; init; } = 0x0A20_0023;

    /// <summary>The default identity.</summary>
    public static Arm64Identity Default { get; } = new();
}
