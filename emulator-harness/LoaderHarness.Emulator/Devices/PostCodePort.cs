namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// Port 0x80, the ISA "manufacturing diagnostic" port where firmware writes POST codes and which Linux
/// writes as an I/O delay (arch/x86/kernel/io_delay.c native_io_delay: <c>outb(0, 0x80)</c> after every
/// <c>outb_p</c>; the 8250 probe writes it between IER accesses). Writes are counted and the most
/// recent ones kept in a fixed ring, so a kernel's millions of delay writes cost no memory growth.
/// </summary>
/// <remarks>
/// Reads return 0xFF. Hardware varies: a POST card latches writes only, some chipsets forward reads to
/// LPC where nothing answers (0xFF), others echo the last value written. We follow QEMU
/// (hw/i386/pc.c ioport80_read returns all ones) because guests that detect the port by reading it
/// back then behave as they do under the VMM whose behaviour Linux is most tested against.
/// </remarks>
public sealed class PostCodePort : BytePortDevice
{
    /// <summary>The port.</summary>
    public const ushort Port = 0x80;

    /// <summary>How many recent writes <see cref="Recent"/> keeps.</summary>
    public const int HistoryCapacity = 256;

    private readonly byte[] _history = new byte[HistoryCapacity];

    /// <summary>Writes seen since power-on.</summary>
    public long WriteCount { get; private set; }

    /// <summary>The last value written, or null before any write.</summary>
    public byte? LastCode => WriteCount == 0 ? null : _history[(WriteCount - 1) % HistoryCapacity];

    /// <summary>Up to <see cref="HistoryCapacity"/> most recent writes, oldest first.</summary>
    public byte[] Recent
    {
        get
        {
            var n = (int)Math.Min(WriteCount, HistoryCapacity);
            var result = new byte[n];
            for (var i = 0; i < n; i++)
                result[i] = _history[(WriteCount - n + i) % HistoryCapacity];
            return result;
        }
    }

    /// <inheritdoc/>
    public override byte ReadByte(ushort port) => 0xFF;

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        _history[WriteCount % HistoryCapacity] = value;
        WriteCount++;
    }
}
