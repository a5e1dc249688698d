namespace LoaderHarness.Emulator.Devices.Serial;

/// <summary>
/// A National Semiconductor PC16550D UART with 16-byte FIFOs, register for register as its datasheet
/// lays them out ("PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs", Table II register
/// summary and §8 "Registers"), and as Linux's 8250 driver probes it
/// (drivers/tty/serial/8250/8250_port.c autoconfig, autoconfig_16550a, size_fifo,
/// serial8250_do_startup) and early console polls it (arch/x86/kernel/early_printk.c).
/// </summary>
/// <remarks>
/// The line is infinitely fast: a byte written to THR is transmitted at once, so LSR always shows THRE
/// and TEMT, and a THRE interrupt source comes back as soon as THR is written. Received bytes come from
/// <see cref="Inject(ReadOnlySpan{byte})"/> (held host-side while the receive FIFO is full, so input is
/// never overrun) or, in loopback, from the transmitter (which can overrun, as size_fifo expects). With
/// no receive clock the character-timeout interrupt (IIR 0xC) is reported as soon as the FIFO holds
/// fewer bytes than its trigger level instead of four character times later, so input below the
/// trigger level is never stranded.
/// </remarks>
public sealed class Uart16550 : BytePortDevice
{
    /// <summary>COM1's I/O base on the PC.</summary>
    public const ushort Com1Port = 0x3F8;

    /// <summary>COM1's ISA interrupt on the PC.</summary>
    public const int Com1Irq = 4;

    /// <summary>Receive and transmit FIFO depth (PC16550D §1 "Features").</summary>
    public const int FifoDepth = 16;

    // IER bits (§8.7): ERBFI, ETBEI, ELSI, EDSSI; bits 4-7 are always 0.
    private const byte IerRxData = 0x01, IerThre = 0x02, IerLineStatus = 0x04, IerModemStatus = 0x08;

    // LCR bit 7 (§8.1): divisor latch access.
    private const byte LcrDlab = 0x80;

    // MCR bits (§8.8); bits 5-7 are always 0.
    private const byte McrDtr = 0x01, McrRts = 0x02, McrOut1 = 0x04, McrOut2 = 0x08, McrLoop = 0x10;

    // LSR bits (§8.4).
    private const byte LsrDataReady = 0x01, LsrOverrun = 0x02, LsrErrorBits = 0x1E, LsrThre = 0x20, LsrTemt = 0x40;

    // MSR status bits 4-7 (§8.9): CTS, DSR, RI, DCD; bits 0-3 are their deltas.
    private const byte MsrCts = 0x10, MsrDsr = 0x20, MsrRi = 0x40, MsrDcd = 0x80;

    // IIR interrupt identification (§8.6 Table IV), highest priority first.
    private const byte IirNone = 0x01, IirLineStatus = 0x06, IirRxData = 0x04, IirTimeout = 0x0C, IirThre = 0x02,
        IirModemStatus = 0x00, IirFifosEnabled = 0xC0;

    private static readonly int[] TriggerLevels = [1, 4, 8, 14];

    private readonly byte[] _rxFifo = new byte[FifoDepth];
    private readonly Queue<byte> _pendingInput = new();
    private readonly bool _out2GatesInterrupt;
    private int _rxHead, _rxCount;
    private byte _rbr, _ier, _lcr, _mcr, _lsrErrors, _msrDeltas, _msrStatus, _scr, _dll, _dlm;
    private byte _externalModemLines;
    private bool _fifoEnabled, _thrEmptyPending;
    private int _rxTrigger;

    /// <summary>A UART in its power-on state (§7 Table III "UART Reset Configuration").</summary>
    /// <param name="out2GatesInterrupt">
    /// Whether the interrupt pin follows INTR only while MCR OUT2 drives the board's gate, as on the
    /// IBM PC/AT serial adapter (and every PC since), where OUT2 enables the IRQ driver; in loopback the
    /// datasheet forces OUT2 inactive (§8.8), so no interrupt leaves the chip then either.
    /// </param>
    public Uart16550(bool out2GatesInterrupt = true)
    {
        _out2GatesInterrupt = out2GatesInterrupt;
        Reset();
    }

    /// <summary>The chip's interrupt output as the board wires it.</summary>
    public InterruptPin Irq { get; } = new();

    /// <summary>Everything transmitted outside loopback.</summary>
    public SerialTranscript Output { get; } = new();

    /// <summary>The divisor latch (DLM:DLL); it does not slow the emulated line.</summary>
    public int Divisor => _dlm << 8 | _dll;

    /// <summary>Master reset: registers to Table III's values, FIFOs emptied, pending input kept.</summary>
    public void Reset()
    {
        _ier = _lcr = _mcr = _lsrErrors = _msrDeltas = _scr = 0;
        _rxHead = _rxCount = 0;
        _rbr = 0;
        // The divisor is undefined at reset; 12 (9600 baud from 1.8432 MHz) is what PC firmware leaves.
        _dll = 12;
        _dlm = 0;
        _fifoEnabled = false;
        _rxTrigger = 1;
        _thrEmptyPending = false;
        // With nothing attached we present a ready modem: CTS, DSR and DCD asserted, RI not.
        _externalModemLines = MsrCts | MsrDsr | MsrDcd;
        _msrStatus = ModemInputs();
        UpdateInterrupt();
    }

    /// <summary>Queues bytes for the receiver; they enter the FIFO as it has room (never overrun).</summary>
    public void Inject(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            _pendingInput.Enqueue(b);
        PumpInput();
        UpdateInterrupt();
    }

    /// <summary>Queues text (Latin-1, one byte per char) for the receiver.</summary>
    public void Inject(string text)
    {
        foreach (var c in text)
            _pendingInput.Enqueue((byte)c);
        PumpInput();
        UpdateInterrupt();
    }

    /// <summary>Sets the external modem inputs (MSR bits 4-7 layout); deltas latch as on the chip.</summary>
    public void SetModemInputs(bool cts, bool dsr, bool ri, bool dcd)
    {
        _externalModemLines = (byte)((cts ? MsrCts : 0) | (dsr ? MsrDsr : 0) | (ri ? MsrRi : 0) | (dcd ? MsrDcd : 0));
        RefreshModemStatus();
        UpdateInterrupt();
    }

    /// <inheritdoc/>
    public override byte ReadByte(ushort port)
    {
        byte value;
        switch (port & 7)
        {
            case 0:
                value = (_lcr & LcrDlab) != 0 ? _dll : ReadReceiveBuffer();
                break;
            case 1:
                value = (_lcr & LcrDlab) != 0 ? _dlm : _ier;
                break;
            case 2:
                value = ReadInterruptIdentification();
                break;
            case 3:
                return _lcr;
            case 4:
                return _mcr;
            case 5:
                value = (byte)((_rxCount > 0 ? LsrDataReady : 0) | _lsrErrors | LsrThre | LsrTemt);
                // §8.4: OE, PE, FE and BI are reset whenever the CPU reads the LSR.
                _lsrErrors = 0;
                break;
            case 6:
                value = (byte)(_msrStatus | _msrDeltas);
                // §8.9: reading the MSR resets its delta bits.
                _msrDeltas = 0;
                break;
            default:
                return _scr;
        }
        UpdateInterrupt();
        return value;
    }

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        switch (port & 7)
        {
            case 0:
                if ((_lcr & LcrDlab) != 0)
                    _dll = value;
                else
                    Transmit(value);
                break;
            case 1:
                if ((_lcr & LcrDlab) != 0)
                    _dlm = value;
                else
                    WriteInterruptEnable(value);
                break;
            case 2:
                WriteFifoControl(value);
                break;
            case 3:
                _lcr = value;
                break;
            case 4:
                _mcr = (byte)(value & 0x1F);
                RefreshModemStatus();
                PumpInput();
                break;
            case 5:
            case 6:
                // §8.4/§8.9: writing LSR or MSR is for factory test; the registers are status only here.
                break;
            default:
                _scr = value;
                break;
        }
        UpdateInterrupt();
    }

    private byte ReadReceiveBuffer()
    {
        if (_rxCount > 0)
        {
            _rbr = _rxFifo[_rxHead];
            _rxHead = (_rxHead + 1) % FifoDepth;
            _rxCount--;
            PumpInput();
        }
        return _rbr;
    }

    private byte ReadInterruptIdentification()
    {
        var id = InterruptSource();
        // §8.6 Table IV: a THRE interrupt is reset by reading the IIR when it is the source.
        if (id == IirThre)
            _thrEmptyPending = false;
        return (byte)(id | (_fifoEnabled ? IirFifosEnabled : 0));
    }

    private void WriteInterruptEnable(byte value)
    {
        var enabled = (byte)(value & 0x0F);
        // Enabling ETBEI while THR is empty raises the THRE interrupt at once; Linux's startup reads
        // it back to decide whether the chip has UART_BUG_THRE (serial8250_do_startup).
        if (((enabled ^ _ier) & IerThre) != 0)
            _thrEmptyPending = (enabled & IerThre) != 0;
        _ier = enabled;
    }

    private void WriteFifoControl(byte value)
    {
        var enable = (value & 0x01) != 0;
        // §8.5: changing bit 0 clears both FIFOs; the other bits are programmed only with bit 0 set.
        if (enable != _fifoEnabled)
            ClearReceiveFifo();
        _fifoEnabled = enable;
        if (enable)
        {
            if ((value & 0x02) != 0)
                ClearReceiveFifo();
            // Bit 2 clears the transmit FIFO, which on an infinitely fast line is always empty.
            _rxTrigger = TriggerLevels[value >> 6];
        }
        else
        {
            _rxTrigger = 1;
        }
        PumpInput();
    }

    private void ClearReceiveFifo()
    {
        _rxHead = _rxCount = 0;
    }

    private void Transmit(byte value)
    {
        if ((_mcr & McrLoop) != 0)
            Receive(value);
        else
            Output.Append(value);
        // Writing THR clears a THRE interrupt; the byte leaves at once and THR is empty again.
        _thrEmptyPending = true;
    }

    private int ReceiveCapacity => _fifoEnabled ? FifoDepth : 1;

    private void Receive(byte value)
    {
        if (_rxCount >= ReceiveCapacity)
        {
            // §8.4 OE: the FIFO is full; the new character is lost, the FIFO kept.
            _lsrErrors |= LsrOverrun;
            return;
        }
        _rxFifo[(_rxHead + _rxCount) % FifoDepth] = value;
        _rxCount++;
    }

    private void PumpInput()
    {
        // §8.8: in loopback the receiver's serial input is disconnected.
        if ((_mcr & McrLoop) != 0)
            return;
        while (_pendingInput.Count > 0 && _rxCount < ReceiveCapacity)
            Receive(_pendingInput.Dequeue());
    }

    private byte ModemInputs()
    {
        if ((_mcr & McrLoop) == 0)
            return _externalModemLines;
        // §8.8 loopback: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD. Linux's autoconfig writes
        // MCR = LOOP|OUT2|RTS and expects MSR & 0xF0 == 0x90.
        return (byte)(((_mcr & McrRts) != 0 ? MsrCts : 0) | ((_mcr & McrDtr) != 0 ? MsrDsr : 0)
            | ((_mcr & McrOut1) != 0 ? MsrRi : 0) | ((_mcr & McrOut2) != 0 ? MsrDcd : 0));
    }

    private void RefreshModemStatus()
    {
        var now = ModemInputs();
        var changed = (byte)(now ^ _msrStatus);
        // §8.9: DCTS, DDSR and DDCD latch any change; TERI latches RI going from asserted to not.
        if ((changed & MsrCts) != 0) _msrDeltas |= 0x01;
        if ((changed & MsrDsr) != 0) _msrDeltas |= 0x02;
        if ((changed & MsrRi) != 0 && (now & MsrRi) == 0) _msrDeltas |= 0x04;
        if ((changed & MsrDcd) != 0) _msrDeltas |= 0x08;
        _msrStatus = now;
    }

    private byte InterruptSource()
    {
        // §8.6 Table IV priorities: line status, received data (or timeout), THRE, modem status.
        if ((_ier & IerLineStatus) != 0 && (_lsrErrors & LsrErrorBits) != 0)
            return IirLineStatus;
        if ((_ier & IerRxData) != 0 && _rxCount > 0)
            return !_fifoEnabled || _rxCount >= _rxTrigger ? IirRxData : IirTimeout;
        if ((_ier & IerThre) != 0 && _thrEmptyPending)
            return IirThre;
        if ((_ier & IerModemStatus) != 0 && _msrDeltas != 0)
            return IirModemStatus;
        return IirNone;
    }

    private void UpdateInterrupt()
    {
        var intr = InterruptSource() != IirNone;
        if (_out2GatesInterrupt)
            intr &= (_mcr & (McrOut2 | McrLoop)) == McrOut2;
        Irq.Set(intr);
    }
}
