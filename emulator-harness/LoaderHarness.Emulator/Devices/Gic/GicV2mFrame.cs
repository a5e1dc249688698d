namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// The GICv2m MSI frame QEMU virt puts at VIRT_GIC_V2M (hw/intc/arm_gicv2m.c; Arm "Server Base System
/// Architecture" GICv2m): V2M_MSI_TYPER names the SPIs it owns, a write of an INTID to V2M_MSI_SETSPI_NS
/// raises that SPI as an edge. Linux's irq-gic-v2m.c reads TYPER and IIDR at probe.
/// </summary>
public sealed class GicV2mFrame : IMmioDevice
{
    /// <summary>The frame's size (QEMU virt VIRT_GIC_V2M: 4 KiB).</summary>
    public const ulong WindowSize = 0x1000;

    /// <summary>First SPI (as an INTID) owned by the frame: QEMU virt's irqmap[VIRT_GIC_V2M] = 48, plus 32.</summary>
    public const int FirstIntid = 48 + 32;

    /// <summary>SPIs owned: QEMU virt NUM_GICV2M_SPIS.</summary>
    public const int SpiCount = 64;

    private readonly GicV2 _gic;

    internal GicV2mFrame(GicV2 gic) => _gic = gic;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size) => offset switch
    {
        0x008 => ((uint)FirstIntid << 16) | SpiCount, // V2M_MSI_TYPER: base [25:16], number [9:0]
        0xFCC => 0x51u << 20, // V2M_MSI_IIDR: QEMU's product ID 'Q' (arm_gicv2m.c PRODUCT_ID_QEMU)
        _ => 0,
    };

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        var intid = (int)(value & 0x3FF);
        if (offset == 0x040 && intid >= FirstIntid && intid < FirstIntid + SpiCount)
        {
            _gic.SetLevel(intid, true); // V2M_MSI_SETSPI_NS: a pulse on the SPI
            _gic.SetLevel(intid, false);
        }
    }
}
