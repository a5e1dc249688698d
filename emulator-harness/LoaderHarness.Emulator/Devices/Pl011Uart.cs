using LoaderHarness.Emulator.Devices.Serial;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The transmit side of an Arm PrimeCell PL011 UART (Arm DDI 0183 "PrimeCell UART (PL011) Technical
/// Reference Manual", §3.2 register summary), enough for Linux's earlycon and a polling console: UARTDR
/// writes are captured as text, UARTFR always reports an empty transmit FIFO and no received data,
/// control registers hold their values, and the peripheral/PrimeCell ID registers identify a PL011.
/// The transmit interrupt works as in QEMU's hw/char/pl011.c: every UARTDR write sets TXRIS (the FIFO is
/// empty again at once), UARTIMSC enables it, UARTICR clears it, and <see cref="Interrupt"/> (UARTINTR,
/// level-sensitive) is high while <c>UARTRIS &amp; UARTIMSC</c> is non-zero.
/// </summary>
public sealed class Pl011Uart : IMmioDevice
{
    /// <summary>QEMU <c>virt</c> <c>base_memmap[VIRT_UART]</c> (hw/arm/virt.c).</summary>
    public const ulong VirtBase = 0x0900_0000;

    /// <summary>Size of the register window.</summary>
    public const ulong WindowSize = 0x1000;

    private const ulong DataRegister = 0x000;
    private const ulong FlagRegister = 0x018;
    private const ulong MaskRegister = 0x038;
    private const ulong RawStatusRegister = 0x03C;
    private const ulong MaskedStatusRegister = 0x040;
    private const ulong ClearRegister = 0x044;

    /// <summary>TXRIS/TXMIS/TXIM/TXIC: bit 5 of UARTRIS, UARTMIS, UARTIMSC and UARTICR (TRM §3.3).</summary>
    private const uint TransmitInterrupt = 1u << 5;

    /// <summary>UARTFR: TXFE (bit 7) and RXFE (bit 4) set, BUSY and TXFF clear.</summary>
    private const ulong FlagsIdle = 0x90;

    /// <summary>UARTPeriphID0..3 then UARTPCellID0..3 at 0xFE0..0xFFC (TRM §3.3.14–3.3.15).</summary>
    private static readonly byte[] IdRegisters = [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private readonly Dictionary<ulong, ulong> _registers = [];
    private uint _raw;
    private uint _mask;

    /// <summary>UARTINTR, the combined interrupt output (QEMU <c>virt</c> wires it to GIC SPI 1); none when null.</summary>
    public IInterruptLine? Interrupt { get; set; }

    /// <summary>Everything written to UARTDR, with an event per completed line (for console milestones).</summary>
    public SerialTranscript Output { get; } = new();

    /// <summary>Everything written to UARTDR so far, one char per byte (Latin-1).</summary>
    public string Text => Output.Text;

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (offset == FlagRegister)
            return FlagsIdle;
        if (offset >= 0xFE0 && offset <= 0xFFC)
            return IdRegisters[(offset - 0xFE0) / 4];
        if (offset == DataRegister)
            return 0;
        if (offset == MaskRegister)
            return _mask;
        if (offset == RawStatusRegister)
            return _raw;
        if (offset == MaskedStatusRegister)
            return _raw & _mask;
        return _registers.TryGetValue(offset, out var value) ? value : 0;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        switch (offset)
        {
            case DataRegister:
                Output.Append((byte)value);
                _raw |= TransmitInterrupt;
                break;
            case MaskRegister:
                _mask = (uint)value & 0x7FF;
                break;
            case ClearRegister:
                _raw &= ~(uint)value;
                break;
            default:
                _registers[offset] = value;
                return;
        }
        Interrupt?.Set((_raw & _mask) != 0);
    }
}
