namespace LoaderHarness.Emulator.Devices.Pic;

/// <summary>
/// One Intel 8259A programmable interrupt controller ("8259A Programmable Interrupt Controller",
/// Intel order 231468): the IRR/ISR/IMR registers, the ICW1–ICW4 initialisation sequence, OCW1–OCW3,
/// edge and level sensing, fully nested priority with rotation, (non-)specific and automatic EOI,
/// special mask mode and the poll command. <see cref="DualPic8259"/> cascades two of them as on the PC.
/// </summary>
public sealed class Pic8259
{
    private byte _irr, _isr, _imr, _inputLevels, _elcr;
    private int _highestPriorityLine;
    private int _initStep;
    private bool _needIcw4, _singleMode, _levelTriggeredAll, _autoEoi, _rotateOnAutoEoi, _specialFullyNested;
    private bool _readIsr, _poll, _specialMask;

    /// <summary>A controller before initialisation: all lines unmasked, vector base 0.</summary>
    /// <param name="isMaster">Whether this is the master of a cascaded pair (special fully nested mode
    /// then ignores the cascade line's in-service bit).</param>
    public Pic8259(bool isMaster) => IsMaster = isMaster;

    /// <summary>Whether this chip is the master of a cascade.</summary>
    public bool IsMaster { get; }

    /// <summary>Interrupt request register.</summary>
    public byte Irr => _irr;

    /// <summary>In-service register.</summary>
    public byte Isr => _isr;

    /// <summary>Interrupt mask register (OCW1).</summary>
    public byte Imr => _imr;

    /// <summary>T7–T3 from ICW2: the vector of IR0; IRn delivers <c>VectorBase + n</c>.</summary>
    public byte VectorBase { get; private set; }

    /// <summary>ICW3: on a master the lines with a slave, on a slave its identity.</summary>
    public byte Icw3 { get; private set; }

    /// <summary>Whether ICW1 said SNGL: no cascade, ICW3 skipped.</summary>
    public bool SingleMode => _singleMode;

    /// <summary>Whether ICW4 selected automatic EOI.</summary>
    public bool AutoEoi => _autoEoi;

    /// <summary>Whether the chip is between ICW1 and its last ICW.</summary>
    public bool Initialising => _initStep != 0;

    /// <summary>Per-line level sensing from the board's edge/level control register (PIIX ELCR).</summary>
    public byte Elcr
    {
        get => _elcr;
        set => _elcr = value;
    }

    /// <summary>Whether any unmasked request outranks everything in service: the INT output.</summary>
    public bool Interrupt => HighestPendingLine() >= 0;

    /// <summary>
    /// Whether input <paramref name="line"/> has a slave behind it: a master's ICW3 bit (IR2 before ICW3
    /// is written, as the PC wires it), never in single mode.
    /// </summary>
    public bool IsCascadeInput(int line) =>
        IsMaster && !_singleMode && (Icw3 == 0 ? line == 2 : (Icw3 & (1 << line)) != 0);

    // A slave's INT is sensed by level: its request lasts exactly as long as the slave has one (the
    // slave drops INT when acknowledged and raises it again for the next request), which is the
    // datasheet's edge latch ANDed with the line without needing a fresh edge per request.
    private bool IsLevel(int line) =>
        _levelTriggeredAll || (_elcr & (1 << line)) != 0 || IsCascadeInput(line);

    /// <summary>Drives input IR<paramref name="line"/>.</summary>
    public void SetInput(int line, bool level)
    {
        var mask = (byte)(1 << line);
        if (IsLevel(line))
        {
            // Level sensing: the request follows the line ("Level Triggered Mode").
            if (level)
                _irr |= mask;
            else
                _irr &= (byte)~mask;
        }
        else if (level && (_inputLevels & mask) == 0)
        {
            // Edge sensing: a low-to-high transition latches the request until INTA. A falling line
            // leaves it latched, as QEMU's hw/intc/i8259.c does: devices may signal with a pulse
            // (InterruptLine with InterruptTrigger.Edge rises and falls at once), which must not be
            // lost. The datasheet's "default IR7" for a request that drops before INTA therefore shows
            // only on level-sensed lines.
            _irr |= mask;
        }
        if (level)
            _inputLevels |= mask;
        else
            _inputLevels &= (byte)~mask;
    }

    /// <summary>The line that would be acknowledged now, or -1 (priority resolver).</summary>
    public int HighestPendingLine()
    {
        var request = PriorityOf((byte)(_irr & ~_imr));
        if (request == 8)
            return -1;
        var inService = _isr;
        // Special mask mode: masked lines in service no longer inhibit lower priorities (OCW3 SMM).
        if (_specialMask)
            inService &= (byte)~_imr;
        // Special fully nested mode: the master lets a slave's higher request through (ICW4 SFNM).
        if (_specialFullyNested && IsMaster)
            inService &= unchecked((byte)~Icw3);
        return request < PriorityOf(inService) ? (request + _highestPriorityLine) & 7 : -1;
    }

    /// <summary>
    /// The INTA cycle for <paramref name="line"/> (from <see cref="HighestPendingLine"/>): sets its ISR
    /// bit (or, with automatic EOI, rotates if asked) and clears an edge request.
    /// </summary>
    public void Acknowledge(int line)
    {
        var mask = (byte)(1 << line);
        if (_autoEoi)
        {
            if (_rotateOnAutoEoi)
                _highestPriorityLine = (line + 1) & 7;
        }
        else
        {
            _isr |= mask;
        }
        if (!IsLevel(line))
            _irr &= (byte)~mask;
    }

    /// <summary>Read of the A0=0 port: poll result, or IRR/ISR as OCW3 selected.</summary>
    public byte ReadCommand()
    {
        if (_poll)
            return PollRead();
        return _readIsr ? _isr : _irr;
    }

    /// <summary>Read of the A0=1 port: the IMR (or a poll result right after a poll command).</summary>
    public byte ReadData() => _poll ? PollRead() : _imr;

    /// <summary>Write to the A0=0 port: ICW1, OCW2 or OCW3.</summary>
    public void WriteCommand(byte value)
    {
        if ((value & 0x10) != 0)
            Initialise(value);
        else if ((value & 0x08) != 0)
            WriteOcw3(value);
        else
            WriteOcw2(value);
    }

    /// <summary>Write to the A0=1 port: ICW2–ICW4 during initialisation, OCW1 otherwise.</summary>
    public void WriteData(byte value)
    {
        switch (_initStep)
        {
            case 2:
                VectorBase = (byte)(value & 0xF8);
                _initStep = _singleMode ? (_needIcw4 ? 4 : 0) : 3;
                break;
            case 3:
                Icw3 = value;
                _initStep = _needIcw4 ? 4 : 0;
                break;
            case 4:
                // ICW4: bit 0 µPM (8086 mode, the only one the PC uses), bit 1 AEOI, bits 3:2 buffered
                // mode (no effect without a bus), bit 4 SFNM.
                _autoEoi = (value & 0x02) != 0;
                _specialFullyNested = (value & 0x10) != 0;
                _initStep = 0;
                break;
            default:
                _imr = value;
                break;
        }
    }

    private void Initialise(byte icw1)
    {
        // ICW1 (datasheet "Initialization Command Words"): the edge sense circuit is reset, so a request
        // needs a new low-to-high transition; IMR cleared; IR7 lowest priority; special mask mode
        // cleared; status read set to IRR; ICW4 functions cleared when IC4=0.
        _inputLevels = 0;
        _isr = 0;
        _imr = 0;
        _highestPriorityLine = 0;
        _specialMask = false;
        _readIsr = false;
        _poll = false;
        _autoEoi = false;
        _rotateOnAutoEoi = false;
        _specialFullyNested = false;
        _needIcw4 = (icw1 & 0x01) != 0;
        _singleMode = (icw1 & 0x02) != 0;
        _levelTriggeredAll = (icw1 & 0x08) != 0;
        _irr &= _levelTriggeredAll ? (byte)0xFF : _elcr;
        _initStep = 2;
    }

    private void WriteOcw2(byte value)
    {
        // OCW2 R, SL, EOI (bits 7:5) and L2-L0.
        var line = value & 7;
        switch (value >> 5)
        {
            case 0: // rotate in automatic EOI mode (clear)
                _rotateOnAutoEoi = false;
                break;
            case 4: // rotate in automatic EOI mode (set)
                _rotateOnAutoEoi = true;
                break;
            case 1: // non-specific EOI
            case 5: // rotate on non-specific EOI
                var priority = PriorityOf(_isr);
                if (priority == 8)
                    break;
                var highest = (priority + _highestPriorityLine) & 7;
                _isr &= (byte)~(1 << highest);
                if (value >> 5 == 5)
                    _highestPriorityLine = (highest + 1) & 7;
                break;
            case 3: // specific EOI
                _isr &= (byte)~(1 << line);
                break;
            case 7: // rotate on specific EOI
                _isr &= (byte)~(1 << line);
                _highestPriorityLine = (line + 1) & 7;
                break;
            case 6: // set priority: L becomes the lowest
                _highestPriorityLine = (line + 1) & 7;
                break;
        }
    }

    private void WriteOcw3(byte value)
    {
        // OCW3: bits 6:5 ESMM/SMM, bit 2 P (poll), bits 1:0 RR/RIS.
        if ((value & 0x04) != 0)
            _poll = true;
        if ((value & 0x02) != 0)
            _readIsr = (value & 0x01) != 0;
        if ((value & 0x40) != 0)
            _specialMask = (value & 0x20) != 0;
    }

    private byte PollRead()
    {
        // Poll command: the next read acknowledges like INTA and returns I (bit 7) and W2-W0.
        _poll = false;
        var line = HighestPendingLine();
        if (line < 0)
            return 0;
        Acknowledge(line);
        return (byte)(0x80 | line);
    }

    /// <summary>Rank of the best line in <paramref name="mask"/> counted from the highest-priority line (8 = none).</summary>
    private int PriorityOf(byte mask)
    {
        if (mask == 0)
            return 8;
        var p = 0;
        while ((mask & (1 << ((p + _highestPriorityLine) & 7))) == 0)
            p++;
        return p;
    }
}
