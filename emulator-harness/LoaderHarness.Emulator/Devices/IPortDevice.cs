namespace LoaderHarness.Emulator.Devices;

/// <summary>A device on the x86 I/O-port bus.</summary>
public interface IPortDevice
{
    /// <summary>IN of <paramref name="size"/> bytes (1, 2 or 4) from <paramref name="port"/>.</summary>
    uint Read(ushort port, int size);

    /// <summary>OUT of <paramref name="size"/> bytes (1, 2 or 4) to <paramref name="port"/>.</summary>
    void Write(ushort port, int size, uint value);
}
