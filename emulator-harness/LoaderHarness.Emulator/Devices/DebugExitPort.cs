namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// QEMU's isa-debug-exit device (hw/misc/debugexit.c): a write of <c>v</c> ends the run and QEMU exits
/// with status <c>(v &lt;&lt; 1) | 1</c>. Conventional port 0xF4.
/// </summary>
public sealed class DebugExitPort : IPortDevice
{
    /// <summary>The port QEMU's <c>-device isa-debug-exit</c> uses by default.</summary>
    public const ushort DefaultPort = 0xF4;

    /// <summary>Whether the guest has written the port since the last <see cref="Reset"/>.</summary>
    public bool Triggered { get; private set; }

    /// <summary>The value written.</summary>
    public uint Value { get; private set; }

    /// <summary>The exit status QEMU would report.</summary>
    public int ExitCode => (int)((Value << 1) | 1);

    /// <inheritdoc/>
    public uint Read(ushort port, int size) => size == 4 ? 0xFFFF_FFFFu : (1u << (size * 8)) - 1;

    /// <inheritdoc/>
    public void Write(ushort port, int size, uint value)
    {
        Triggered = true;
        Value = value;
    }

    /// <summary>Re-arms the device.</summary>
    public void Reset() => Triggered = false;
}
