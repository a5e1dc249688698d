namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// An 8-bit ISA peripheral. A 16- or 32-bit IN/OUT to it reaches the chip as consecutive byte cycles,
/// low byte at the lowest port first, as the PC/AT bus controller splits wide cycles to an 8-bit slave;
/// so a device implements only byte access.
/// </summary>
public abstract class BytePortDevice : IPortDevice
{
    /// <inheritdoc/>
    public uint Read(ushort port, int size)
    {
        uint value = 0;
        for (var i = 0; i < size; i++)
            value |= (uint)ReadByte((ushort)(port + i)) << (8 * i);
        return value;
    }

    /// <inheritdoc/>
    public void Write(ushort port, int size, uint value)
    {
        for (var i = 0; i < size; i++)
            WriteByte((ushort)(port + i), (byte)(value >> (8 * i)));
    }

    /// <summary>One byte read cycle at <paramref name="port"/>.</summary>
    public abstract byte ReadByte(ushort port);

    /// <summary>One byte write cycle at <paramref name="port"/>.</summary>
    public abstract void WriteByte(ushort port, byte value);
}
