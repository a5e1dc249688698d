namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// The GICv2 memory-mapped CPU interface frame (Arm IHI 0048B §4.4, Table 4-2): GICC_CTLR, PMR, BPR, IAR, EOIR,
/// RPR, HPPIR, ABPR, AIAR, AEOIR, AHPPIR, IIDR at 0x00–0xFC and GICC_DIR at 0x1000 (the second 4 KiB page Linux's
/// split EOI/deactivate mode needs, irq-gic.c gic_check_eoimode).
/// </summary>
public sealed class GicV2CpuInterface : IMmioDevice
{
    /// <summary>The CPU interface frame's size (QEMU virt VIRT_GIC_CPU).</summary>
    public const ulong WindowSize = 0x1_0000;

    private readonly GicV2 _gic;

    internal GicV2CpuInterface(GicV2 gic) => _gic = gic;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size) => _gic.ReadCpu(offset);

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value) => _gic.WriteCpu(offset, (uint)value);
}
