namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// arm64-only parts of a guest description. Defaults follow QEMU's <c>virt</c> memory map
/// (hw/arm/virt.c <c>base_memmap</c>) and the PSCI node Firecracker and Cloud Hypervisor write.
/// </summary>
public sealed record FdtArm64Platform
{
    /// <summary>Bytes of redistributor space per CPU: RD_base + SGI_base frames, 64 KiB each (GICv3 arch spec §12.10).</summary>
    public const ulong RedistributorStride = 0x2_0000;

    /// <summary>Interrupt controller generation.</summary>
    public FdtGicVersion Gic { get; init; } = FdtGicVersion.V3;

    /// <summary>GIC distributor registers (QEMU virt <c>VIRT_GIC_DIST</c>).</summary>
    public FdtRegion GicDistributor { get; init; } = new(0x0800_0000, 0x1_0000);

    /// <summary>GICv2 CPU interface registers (QEMU virt <c>VIRT_GIC_CPU</c>); unused with GICv3.</summary>
    public FdtRegion GicCpuInterface { get; init; } = new(0x0801_0000, 0x1_0000);

    /// <summary>GICv3 redistributor base (QEMU virt <c>VIRT_GIC_REDIST</c>); the region is
    /// <see cref="RedistributorStride"/> × CPU count long. Unused with GICv2.</summary>
    public ulong GicRedistributorBase { get; init; } = 0x080A_0000;

    /// <summary>PSCI version advertised.</summary>
    public FdtPsciVersion PsciVersion { get; init; } = FdtPsciVersion.V0_2;

    /// <summary>PSCI conduit.</summary>
    public FdtPsciMethod PsciMethod { get; init; } = FdtPsciMethod.Hvc;
}
