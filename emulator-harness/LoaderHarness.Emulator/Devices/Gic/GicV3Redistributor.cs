namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// The one redistributor (Arm IHI 0069 §12.10–12.11): the RD_base frame (GICR_CTLR, GICR_TYPER with Last set
/// and affinity 0.0.0.0, GICR_WAKER whose ChildrenAsleep follows ProcessorSleep at once, GICR_PIDR2) and the
/// SGI_base frame 64 KiB above it holding the SGI/PPI registers (INTIDs 0–31).
/// </summary>
public sealed class GicV3Redistributor : IMmioDevice
{
    /// <summary>RD_base + SGI_base: 128 KiB.</summary>
    public const ulong WindowSize = 0x2_0000;

    private const ulong SgiBase = 0x1_0000;
    private const uint ProcessorSleep = 1u << 1;
    private const uint ChildrenAsleep = 1u << 2;

    private readonly GicV3 _gic;
    private uint _waker = ProcessorSleep | ChildrenAsleep;
    private uint _control;

    internal GicV3Redistributor(GicV3 gic) => _gic = gic;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (offset >= SgiBase)
        {
            var frame = offset - SgiBase;
            return frame >= 0x80 && frame < 0xE00 ? _gic.ReadInterruptRegister(frame, 0, 0) : 0;
        }
        return offset switch
        {
            0x0000 => _control, // GICR_CTLR: RWP (bit 3) reads 0
            0x0004 => 0x43B, // GICR_IIDR
            // GICR_TYPER: Last (bit 4); Processor_Number [23:8] = 0; Affinity_Value [63:32] = 0; no PLPIS/VLPIS.
            0x0008 => 1UL << 4,
            0x000C => 0, // upper half of GICR_TYPER: affinity 0.0.0.0
            0x0014 => _waker,
            0xFFE8 => 0x3B, // GICR_PIDR2: ArchRev 3
            _ => 0,
        };
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (offset >= SgiBase)
        {
            var frame = offset - SgiBase;
            if (frame >= 0x80 && frame < 0xE00)
                _gic.WriteInterruptRegister(frame, size, (uint)value, 0, 0);
            return;
        }
        switch (offset)
        {
            case 0x0000:
                _control = (uint)value & 1;
                break;
            case 0x0014:
                var sleep = (uint)value & ProcessorSleep;
                _waker = sleep | (sleep != 0 ? ChildrenAsleep : 0);
                break;
        }
    }
}
