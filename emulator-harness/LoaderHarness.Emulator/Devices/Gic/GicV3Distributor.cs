namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// The GICv3 distributor frame (Arm IHI 0069 §12.9): GICD_CTLR with DS = 1 and ARE fixed on, GICD_TYPER for
/// 128 INTIDs without LPIs, the SPI registers (INTIDs 32–127; with affinity routing the SGI/PPI words are
/// RAZ/WI here and live in the redistributor), GICD_IROUTER storage and the ID registers
/// Linux's irq-gic-v3.c checks (GICD_PIDR2.ArchRev = 3).
/// </summary>
public sealed class GicV3Distributor : IMmioDevice
{
    /// <summary>The distributor frame's size.</summary>
    public const ulong WindowSize = 0x1_0000;

    /// <summary>GICD_CTLR.ARE_S (bit 4) and DS (bit 6) read as one: one security state, affinity routing always on.</summary>
    private const uint FixedControl = (1u << 4) | (1u << 6);

    private readonly GicV3 _gic;
    private readonly ulong[] _router = new ulong[GicV3.InterruptCount];

    internal GicV3Distributor(GicV3 gic) => _gic = gic;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        switch (offset)
        {
            case 0x0000: // GICD_CTLR; RWP (bit 31) always reads 0: writes take effect at once
                return _gic.DistributorControl & 3 | FixedControl;
            case 0x0004: // GICD_TYPER: ITLinesNumber 3, IDbits 9 (10-bit INTIDs), no LPIs/MBIS, one security state
                return 3u | (9u << 19);
            case 0x0008: // GICD_IIDR: Arm implementer (0x43B), as QEMU's GICv3 reports
                return 0x43B;
            case 0x000C: // GICD_TYPER2: no extended SPIs, no vPEs
            case 0x0010: // GICD_STATUSR
                return 0;
            case 0xFFE8: // GICD_PIDR2: ArchRev [7:4] = 3 (GICv3)
                return 0x3B;
        }
        if (offset >= 0x6100 && offset < 0x6000 + 8 * GicV3.InterruptCount)
        {
            var value = _router[(offset - 0x6000) / 8];
            return (offset & 4) != 0 ? value >> 32 : size == 8 ? value : value & 0xFFFF_FFFF;
        }
        if (offset >= 0x80 && offset < 0xE00)
            return _gic.ReadInterruptRegister(offset, 1, GicV3.InterruptCount / 32 - 1);
        return 0;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (offset == 0)
        {
            _gic.DistributorControl = (uint)value & 3;
            return;
        }
        if (offset >= 0x6100 && offset < 0x6000 + 8 * GicV3.InterruptCount)
        {
            var index = (offset - 0x6000) / 8;
            _router[index] = size == 8 ? value
                : (offset & 4) != 0 ? (_router[index] & 0xFFFF_FFFF) | (value << 32)
                : (_router[index] & ~0xFFFF_FFFFUL) | (value & 0xFFFF_FFFF);
            return;
        }
        if (offset >= 0x80 && offset < 0xE00)
            _gic.WriteInterruptRegister(offset, size, (uint)value, 1, GicV3.InterruptCount / 32 - 1);
    }
}
