namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// A GICv3 for one CPU with a single security state (GICD_CTLR.DS = 1) and affinity routing always on:
/// distributor (<see cref="Distributor"/>), one redistributor (<see cref="Redistributor"/>) and the
/// system-register CPU interface the CPU reaches through <see cref="ReadCpuInterface"/> /
/// <see cref="WriteCpuInterface"/> (Arm IHI 0069 "GIC Architecture Specification v3/v4": §4 interrupt
/// lifecycle, §12 registers). 128 INTIDs (SGIs 0–15, PPIs 16–31, SPIs 32–127), 5 priority bits, no LPIs/ITS.
/// Group 1 interrupts drive <see cref="Output"/> (the CPU's IRQ); group 0 (FIQ) is kept but never signalled.
/// Devices' lines are wired with <see cref="LineFor"/>; the INTID is the line number.
/// </summary>
public sealed class GicV3 : IInterruptController
{
    /// <summary>INTIDs implemented: GICD_TYPER.ITLinesNumber = 3 (32 × (3 + 1)).</summary>
    public const int InterruptCount = 128;

    /// <summary>The INTID ICC_IAR1_EL1 returns when nothing can be acknowledged (IHI 0069 §2.2.1).</summary>
    public const uint Spurious = 1023;

    /// <summary>Priority bits kept: 5 (ICC_CTLR_EL1.PRIbits = 4), so priority fields keep bits [7:3].</summary>
    private const uint PriorityMask = 0xF8;

    private readonly GicInterruptState _state = new(InterruptCount, PriorityMask);
    private uint _pmr, _bpr0, _bpr1, _eoiMode, _igrpen0, _igrpen1;

    /// <summary>A GIC with every interrupt in group 0, disabled, priority 0; SGIs edge-triggered.</summary>
    public GicV3()
    {
        _state.Changed = Update;
        Distributor = new GicV3Distributor(this);
        Redistributor = new GicV3Redistributor(this);
    }

    /// <summary>The distributor's 64 KiB MMIO frame.</summary>
    public GicV3Distributor Distributor { get; }

    /// <summary>The redistributor's RD_base and SGI_base frames (128 KiB).</summary>
    public GicV3Redistributor Redistributor { get; }

    /// <summary>The CPU's IRQ: high while a group 1 interrupt can be acknowledged.</summary>
    public InterruptPin Output { get; } = new();

    /// <summary>GICD_CTLR's group enables as the guest last wrote them (EnableGrp0 bit 0, EnableGrp1 bit 1).</summary>
    internal uint DistributorControl
    {
        get => _distributorControl;
        set
        {
            _distributorControl = value;
            Update();
        }
    }

    private uint _distributorControl;

    /// <summary>The line a device drives INTID <paramref name="intid"/> with (PPI n is INTID 16 + n, SPI n is 32 + n).</summary>
    public IInterruptLine LineFor(int intid) => new InterruptLine(this, intid);

    /// <inheritdoc/>
    public void SetLevel(int line, bool high) => _state.SetLevel(line, high);

    /// <summary>The CPU reads the INTID itself (ICC_IAR1_EL1): taking the exception acknowledges nothing.</summary>
    public int Acknowledge() => 0;

    /// <summary>Whether INTID <paramref name="intid"/> is pending (latched, or a level-sensitive line high).</summary>
    public bool IsPending(int intid) => _state.IsPending(intid);

    /// <summary>Whether INTID <paramref name="intid"/> is active.</summary>
    public bool IsActive(int intid) => _state.IsActive(intid);

    private static int GroupBits(bool group1) => group1 ? 2 : 1;

    /// <summary>Whether the group's interrupt <paramref name="intid"/> is above the priority mask and the running priority (§4.8).</summary>
    private bool CanSignal(int intid, bool group1) =>
        _state.Preempts(intid, _pmr)
        && (group1 ? (_igrpen1 & 1) != 0 && (DistributorControl & 2) != 0 : (_igrpen0 & 1) != 0 && (DistributorControl & 1) != 0);

    /// <summary>Recomputes the IRQ output after any state change.</summary>
    private void Update() => Output.Set(CanSignal(_state.HighestPending(GroupBits(true)), true));

    /// <summary>An ICC_* register read (<paramref name="register"/> names it).</summary>
    public ulong ReadCpuInterface(GicCpuRegister register)
    {
        switch (register)
        {
            case GicCpuRegister.Iar1:
            case GicCpuRegister.Iar0:
                return Acknowledge(register == GicCpuRegister.Iar1);
            case GicCpuRegister.Hppir1:
            case GicCpuRegister.Hppir0:
                var pending = _state.HighestPending(GroupBits(register == GicCpuRegister.Hppir1));
                return pending < 0 ? Spurious : (ulong)pending;
            case GicCpuRegister.Rpr:
                return _state.RunningPriority;
            case GicCpuRegister.Pmr:
                return _pmr;
            case GicCpuRegister.Bpr0:
                return _bpr0;
            case GicCpuRegister.Bpr1:
                return _bpr1;
            case GicCpuRegister.Ctlr:
                // PRIbits [10:8] = 4 (5 bits), IDbits [13:11] = 0 (16-bit INTIDs), EOImode [1].
                return (4u << 8) | (_eoiMode << 1);
            case GicCpuRegister.Sre:
                return 0b111; // SRE, DFB, DIB: system registers only (RAO/WI, IHI 0069 §12.2.21)
            case GicCpuRegister.Igrpen0:
                return _igrpen0;
            case GicCpuRegister.Igrpen1:
                return _igrpen1;
            default:
                return 0;
        }
    }

    /// <summary>An ICC_* register write.</summary>
    public void WriteCpuInterface(GicCpuRegister register, ulong value)
    {
        switch (register)
        {
            case GicCpuRegister.Eoir1:
            case GicCpuRegister.Eoir0:
                _state.DropPriority();
                if (_eoiMode == 0)
                    _state.Deactivate((int)(value & 0xFF_FFFF));
                break;
            case GicCpuRegister.Dir:
                _state.Deactivate((int)(value & 0xFF_FFFF));
                break;
            case GicCpuRegister.Pmr:
                _pmr = (uint)value & PriorityMask;
                break;
            case GicCpuRegister.Bpr0:
                _bpr0 = (uint)value & 7;
                break;
            case GicCpuRegister.Bpr1:
                _bpr1 = (uint)value & 7;
                break;
            case GicCpuRegister.Ctlr:
                _eoiMode = (uint)(value >> 1) & 1;
                break;
            case GicCpuRegister.Igrpen0:
                _igrpen0 = (uint)value & 1;
                break;
            case GicCpuRegister.Igrpen1:
                _igrpen1 = (uint)value & 1;
                break;
            case GicCpuRegister.Sgi1r:
            case GicCpuRegister.Sgi0r:
            case GicCpuRegister.Asgi1r:
                GenerateSgi(value);
                break;
        }
        Update();
    }

    /// <summary>ICC_IAR{0,1}_EL1: the highest pending interrupt that can be signalled becomes active; 1023 when none.</summary>
    private uint Acknowledge(bool group1)
    {
        var intid = _state.HighestPending(GroupBits(group1));
        if (!CanSignal(intid, group1))
            return Spurious;
        _state.Activate(intid);
        return (uint)intid;
    }

    /// <summary>ICC_SGI1R_EL1 (§12.2.23): INTID [27:24]; IRM [40] targets every other PE (none here), else the target list [15:0] at Aff3.Aff2.Aff1.</summary>
    private void GenerateSgi(ulong value)
    {
        var routeOthers = (value >> 40 & 1) != 0;
        var affinity = (value >> 16 & 0xFF) | (value >> 32 & 0xFF) | (value >> 48 & 0xFF);
        if (!routeOthers && affinity == 0 && (value & 1) != 0)
            _state.Latch((int)(value >> 24 & 0xF));
    }

    /// <summary>Reads a 32-bit word of the per-INTID registers shared by GICD and GICR_SGI_base (§12.9, §12.11), at <paramref name="offset"/> in the frame.</summary>
    internal uint ReadInterruptRegister(ulong offset, int firstWord, int lastWord) => _state.Read(offset, firstWord, lastWord);

    /// <summary>Writes a word of the per-INTID registers; priority bytes may be written singly (<paramref name="size"/> 1).</summary>
    internal void WriteInterruptRegister(ulong offset, int size, uint value, int firstWord, int lastWord) =>
        _state.Write(offset, size, value, firstWord, lastWord);
}
