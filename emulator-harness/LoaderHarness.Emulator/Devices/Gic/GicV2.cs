namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// A GICv2 for one CPU without the Security Extensions (Arm IHI 0048B "GIC Architecture Specification
/// v2.0"), as QEMU 7.2 <c>-M virt</c> builds it by default (hw/arm/virt.c create_gic: gic-version 2,
/// has-security-extensions = false, num-irq = NUM_IRQS + 32 = 288): the distributor (<see cref="Distributor"/>,
/// §4.3), the memory-mapped CPU interface (<see cref="CpuInterface"/>, §4.4) and the GICv2m MSI frame QEMU puts
/// beside them (<see cref="MsiFrame"/>). Without the Security Extensions every access is Secure, so both groups
/// are visible; group 0 is signalled on IRQ unless GICC_CTLR.FIQEn is set (§3.2.2), group 1 always on IRQ.
/// Devices' lines are wired with <see cref="LineFor"/>; the INTID is the line number.
/// </summary>
public sealed class GicV2 : IInterruptController
{
    /// <summary>INTIDs implemented: QEMU virt's NUM_IRQS (256) SPIs + 32 (GICD_TYPER.ITLinesNumber = 8).</summary>
    public const int InterruptCount = 288;

    /// <summary>The INTID GICC_IAR returns when nothing can be acknowledged (IHI 0048B §3.2.5).</summary>
    public const uint Spurious = 1023;

    /// <summary>The INTID a Secure GICC_IAR read returns for a group 1 interrupt while AckCtl is 0 (§3.2.5).</summary>
    public const uint GroupOnePending = 1022;

    // GICC_CTLR, GICv2 without Security Extensions (IHI 0048B §4.4.1 Table 4-31).
    private const uint EnableGrp0 = 1u << 0;
    private const uint EnableGrp1 = 1u << 1;
    private const uint AckCtl = 1u << 2;
    private const uint FiqEn = 1u << 3;
    private const uint EoiModeS = 1u << 9;
    private const uint CpuControlMask = 0x7FF;

    private readonly GicInterruptState _state = new(InterruptCount, 0xFF);
    private uint _distributorControl, _cpuControl, _pmr, _bpr, _abpr;

    /// <summary>A GIC with every interrupt in group 0, disabled, priority 0; SGIs edge-triggered and always enabled.</summary>
    public GicV2()
    {
        _state.Changed = Update;
        // QEMU's GICv2 keeps SGIs permanently enabled (hw/intc/arm_gic.c gic_dist_writeb: ISENABLER of an SGI
        // sets it, ICENABLER is ignored); IHI 0048B §4.3.5 lets an implementation do so.
        _state.Write(0x100, 4, 0xFFFF, 0, 0);
        Distributor = new GicV2Distributor(this, _state);
        CpuInterface = new GicV2CpuInterface(this);
        MsiFrame = new GicV2mFrame(this);
    }

    /// <summary>The distributor's MMIO frame (QEMU virt VIRT_GIC_DIST, 64 KiB).</summary>
    public GicV2Distributor Distributor { get; }

    /// <summary>The CPU interface's MMIO frame (QEMU virt VIRT_GIC_CPU, 64 KiB; GICC_DIR at 0x1000).</summary>
    public GicV2CpuInterface CpuInterface { get; }

    /// <summary>The GICv2m MSI frame (QEMU virt VIRT_GIC_V2M, 4 KiB).</summary>
    public GicV2mFrame MsiFrame { get; }

    /// <summary>The CPU's IRQ: high while an interrupt can be acknowledged.</summary>
    public InterruptPin Output { get; } = new();

    /// <summary>The line a device drives INTID <paramref name="intid"/> with (PPI n is INTID 16 + n, SPI n is 32 + n).</summary>
    public IInterruptLine LineFor(int intid) => new InterruptLine(this, intid);

    /// <inheritdoc/>
    public void SetLevel(int line, bool high) => _state.SetLevel(line, high);

    /// <summary>The guest reads GICC_IAR itself: taking the exception acknowledges nothing.</summary>
    public int Acknowledge() => 0;

    /// <summary>Whether INTID <paramref name="intid"/> is pending.</summary>
    public bool IsPending(int intid) => _state.IsPending(intid);

    /// <summary>Whether INTID <paramref name="intid"/> is active.</summary>
    public bool IsActive(int intid) => _state.IsActive(intid);

    /// <summary>GICD_CTLR: EnableGrp0 (bit 0) and EnableGrp1 (bit 1), §4.3.1.</summary>
    internal uint DistributorControl
    {
        get => _distributorControl;
        set
        {
            _distributorControl = value & 3;
            Update();
        }
    }

    /// <summary>SGI generation through GICD_SGIR (§4.3.15): TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0].</summary>
    internal void GenerateSgi(uint value)
    {
        var filter = (value >> 24) & 3;
        var targets = (value >> 16) & 0xFF;
        // Filter 0 sends to the listed CPUs (CPU 0 is bit 0), 1 to every other CPU (none here), 2 to the requester.
        if ((filter == 0 && (targets & 1) != 0) || filter == 2)
            _state.Latch((int)(value & 0xF));
    }

    /// <summary>The groups whose interrupts reach the CPU's IRQ: enabled in both GICD_CTLR and GICC_CTLR, group 0 unless FIQEn.</summary>
    private int SignalledGroups()
    {
        var groups = (int)(_distributorControl & _cpuControl & (EnableGrp0 | EnableGrp1));
        return (_cpuControl & FiqEn) != 0 ? groups & 2 : groups;
    }

    private void Update() => Output.Set(_state.Preempts(_state.HighestPending(SignalledGroups()), _pmr));

    /// <summary>A CPU interface register read at <paramref name="offset"/> (§4.4, Table 4-2).</summary>
    internal uint ReadCpu(ulong offset)
    {
        switch (offset)
        {
            case 0x00: return _cpuControl; // GICC_CTLR
            case 0x04: return _pmr; // GICC_PMR
            case 0x08: return _bpr; // GICC_BPR
            case 0x0C: return AcknowledgeInterrupt(groups: 3, aliased: false); // GICC_IAR
            case 0x14: return _state.RunningPriority; // GICC_RPR
            case 0x18: return HighestPendingId(3); // GICC_HPPIR
            case 0x1C: return _abpr; // GICC_ABPR
            case 0x20: return AcknowledgeInterrupt(groups: 2, aliased: true); // GICC_AIAR: group 1 only
            case 0x28: return HighestPendingId(2); // GICC_AHPPIR
            // GICC_IIDR: architecture version 2 [19:16], implementer Arm (0x43B), as QEMU's arm_gic.c reports.
            case 0xFC: return 0x0002_043B;
            default: return 0; // GICC_APRn, GICC_NSAPRn: no active-priority bits kept beyond the running stack
        }
    }

    /// <summary>A CPU interface register write at <paramref name="offset"/>.</summary>
    internal void WriteCpu(ulong offset, uint value)
    {
        switch (offset)
        {
            case 0x00: _cpuControl = value & CpuControlMask; break;
            case 0x04: _pmr = value & 0xFF; break;
            case 0x08: _bpr = value & 7; break;
            case 0x10: // GICC_EOIR
            case 0x24: // GICC_AEOIR
                _state.DropPriority();
                if ((_cpuControl & EoiModeS) == 0)
                    _state.Deactivate((int)(value & 0x3FF)); // EOImode 0: the EOI also deactivates (§3.2.1)
                break;
            case 0x1C: _abpr = value & 7; break;
            case 0x1000: _state.Deactivate((int)(value & 0x3FF)); break; // GICC_DIR (§4.4.15)
        }
        Update();
    }

    private uint HighestPendingId(int groups)
    {
        var intid = _state.HighestPending(groups & (int)(_distributorControl & _cpuControl & (EnableGrp0 | EnableGrp1)));
        return intid < 0 ? Spurious : (uint)intid;
    }

    /// <summary>
    /// GICC_IAR / GICC_AIAR (§4.4.4, §4.4.10): the highest-priority pending interrupt above PMR and the running
    /// priority becomes active and its INTID is returned (SGIs carry source CPU 0 in [12:10]); 1023 when there is
    /// none, 1022 when it is group 1 and the read was GICC_IAR with AckCtl clear.
    /// </summary>
    private uint AcknowledgeInterrupt(int groups, bool aliased)
    {
        var enabled = (int)(_distributorControl & _cpuControl & (EnableGrp0 | EnableGrp1)) & groups;
        var intid = _state.HighestPending(enabled);
        if (!_state.Preempts(intid, _pmr))
            return Spurious;
        if (!aliased && _state.IsGroup1(intid) && (_cpuControl & AckCtl) == 0)
            return GroupOnePending;
        _state.Activate(intid);
        return (uint)intid;
    }
}
