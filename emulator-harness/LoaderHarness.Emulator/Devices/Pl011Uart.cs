using System.Text;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The transmit side of an Arm PrimeCell PL011 UART (Arm DDI 0183 "PrimeCell UART (PL011) Technical
/// Reference Manual", §3.2 register summary), enough for Linux's earlycon and a polling console: UARTDR
/// writes are captured as text, UARTFR always reports an empty transmit FIFO and no received data,
/// control registers hold their values, and the peripheral/PrimeCell ID registers identify a PL011.
/// </summary>
public sealed class Pl011Uart : IMmioDevice
{
    /// <summary>QEMU <c>virt</c> <c>base_memmap[VIRT_UART]</c> (hw/arm/virt.c).</summary>
    public const ulong VirtBase = 0x0900_0000;

    /// <summary>Size of the register window.</summary>
    public const ulong WindowSize = 0x1000;

    private const ulong DataRegister = 0x000;
    private const ulong FlagRegister = 0x018;

    /// <summary>UARTFR: TXFE (bit 7) and RXFE (bit 4) set, BUSY and TXFF clear.</summary>
    private const ulong FlagsIdle = 0x90;

    /// <summary>UARTPeriphID0..3 then UARTPCellID0..3 at 0xFE0..0xFFC (TRM §3.3.14–3.3.15).</summary>
    private static readonly byte[] IdRegisters = [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private readonly StringBuilder _text = new();
    private readonly Dictionary<ulong, ulong> _registers = [];

    /// <summary>Everything written to UARTDR so far, one char per byte (Latin-1).</summary>
    public string Text => _text.ToString();

    /// <inheritdoc/>
    public ulong Read(ulong offset, int size)
    {
        if (offset == FlagRegister)
            return FlagsIdle;
        if (offset >= 0xFE0 && offset <= 0xFFC)
            return IdRegisters[(offset - 0xFE0) / 4];
        if (offset == DataRegister)
            return 0;
        return _registers.TryGetValue(offset, out var value) ? value : 0;
    }

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (offset == DataRegister)
            _text.Append((char)(byte)value);
        else
            _registers[offset] = value;
    }
}
