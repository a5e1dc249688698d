namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// The GICv2 distributor frame (Arm IHI 0048B §4.3, Table 4-1) for one CPU without Security Extensions:
/// GICD_CTLR, TYPER, IIDR, the per-INTID block shared with GICv3 (IGROUPR to ICFGR), ITARGETSR RAZ/WI as a
/// uniprocessor GIC's are (§4.3.12), GICD_SGIR, CPENDSGIR/SPENDSGIR and the identification registers.
/// The SGI and PPI words are this CPU's banked copies.
/// </summary>
public sealed class GicV2Distributor : IMmioDevice
{
    /// <summary>The distributor frame's size (QEMU virt VIRT_GIC_DIST).</summary>
    public const ulong WindowSize = 0x1_0000;

    private const int LastWord = GicV2.InterruptCount / 32 - 1;

    // GICD_PIDR4..7, PIDR0..3, CIDR0..3 at 0xFD0–0xFFC: QEMU's hw/intc/arm_gic.c gic_id_gicv2 (ArchRev 2 in PIDR2).
    private static readonly byte[] Identification = [0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private readonly GicV2 _gic;
    private readonly GicInterruptState _state;

    internal GicV2Distributor(GicV2 gic, GicInterruptState state) => (_gic, _state) = (gic, state);

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        switch (offset)
        {
            case 0x000: return _gic.DistributorControl; // GICD_CTLR
            // GICD_TYPER: ITLinesNumber [4:0] = 288 / 32 - 1, CPUNumber [7:5] = 0, SecurityExtn [10] = 0.
            case 0x004: return (ulong)(GicV2.InterruptCount / 32 - 1);
            case 0x008: return 0x43B; // GICD_IIDR: implementer Arm, as QEMU's arm_gic.c reports
        }
        if (offset >= 0x800 && offset < 0xC00)
            return 0; // GICD_ITARGETSRn: RAZ/WI on a uniprocessor GIC (§4.3.12)
        if (offset >= 0xF10 && offset < 0xF30)
            return ReadSgiPending(offset);
        if (offset >= 0xFD0 && offset < 0x1000)
            return (offset & 3) == 0 ? Identification[(offset - 0xFD0) / 4] : 0UL;
        if (offset >= 0x80 && offset < 0xE00)
            return Narrow(_state.Read(offset, 0, LastWord), size);
        return 0;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        var word = (uint)value;
        if (offset == 0x000)
            _gic.DistributorControl = word;
        else if (offset == 0xF00)
            _gic.GenerateSgi(word); // GICD_SGIR
        else if (offset >= 0xF10 && offset < 0xF30)
            WriteSgiPending(offset, size, word);
        else if (offset >= 0x80 && offset < 0xE00 && !(offset >= 0x800 && offset < 0xC00))
            _state.Write(offset, size, Banked(offset, word), 0, LastWord);
    }

    /// <summary>
    /// Word 0 of ICENABLER (SGIs stay enabled) and of ISPENDR/ICPENDR (an SGI's pending state is set and cleared
    /// through SPENDSGIR/CPENDSGIR, §4.3.7–4.3.8) ignore their SGI bits.
    /// </summary>
    private static uint Banked(ulong offset, uint value) =>
        offset is 0x180 or 0x200 or 0x280 ? value & 0xFFFF_0000 : value;

    private static uint Narrow(uint value, int size) => size >= 4 ? value : value & ((1u << (8 * size)) - 1);

    /// <summary>GICD_CPENDSGIRn / GICD_SPENDSGIRn (§4.3.16–4.3.17): one byte per SGI, bit 0 for source CPU 0.</summary>
    private uint ReadSgiPending(ulong offset)
    {
        var first = (int)(offset & 0xF) & ~3;
        uint value = 0;
        for (var i = 0; i < 4; i++)
            if (_state.IsPending(first + i))
                value |= 1u << (8 * i);
        return value;
    }

    private void WriteSgiPending(ulong offset, int size, uint value)
    {
        var set = offset >= 0xF20;
        var first = (int)(offset & 0xF);
        for (var i = 0; i < size && first + i < 16; i++)
        {
            if ((value >> (8 * i) & 1) == 0)
                continue;
            var bit = 1u << (first + i);
            _state.Write(set ? 0x200UL : 0x280UL, 4, bit, 0, 0);
        }
    }
}
