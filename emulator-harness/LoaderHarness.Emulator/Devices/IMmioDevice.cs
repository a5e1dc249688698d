namespace LoaderHarness.Emulator.Devices;

/// <summary>A device mapped into guest-physical address space outside RAM.</summary>
public interface IMmioDevice
{
    /// <summary>Reads <paramref name="size"/> bytes at <paramref name="offset"/> into the device's window.</summary>
    ulong Read(ulong offset, int size);

    /// <summary>Writes <paramref name="size"/> bytes at <paramref name="offset"/> into the device's window.</summary>
    void Write(ulong offset, int size, ulong value);
}
