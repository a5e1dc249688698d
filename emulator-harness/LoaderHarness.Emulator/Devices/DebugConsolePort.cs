using System.Text;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The Bochs/QEMU "port E9 hack" debug console: every byte written is output; reading returns 0xE9 so
/// software can detect it (QEMU hw/char/debugcon.c).
/// </summary>
public sealed class DebugConsolePort : IPortDevice
{
    /// <summary>The conventional port.</summary>
    public const ushort DefaultPort = 0xE9;

    private readonly StringBuilder _text = new();

    /// <summary>Everything written so far, one char per byte (Latin-1).</summary>
    public string Text => _text.ToString();

    /// <inheritdoc/>
    public uint Read(ushort port, int size) => 0xE9;

    /// <inheritdoc/>
    public void Write(ushort port, int size, uint value) => _text.Append((char)(byte)value);
}
