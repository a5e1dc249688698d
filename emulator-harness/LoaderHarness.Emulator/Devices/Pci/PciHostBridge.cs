namespace LoaderHarness.Emulator.Devices.Pci;

/// <summary>
/// PCI configuration mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2) at CONFIG_ADDRESS 0xCF8 and CONFIG_DATA
/// 0xCFC–0xCFF, with the functions of bus 0 behind it, as QEMU's host bridges decode it (hw/pci/pci_host.c): only a
/// 32-bit write to 0xCF8 sets the address, which reads back as written; a data access with the enable bit (31) clear, to
/// another bus or to an absent function reads as all ones and is dropped; the register is the address's bits 7:2
/// plus the data port's offset. The byte at 0xCF9 is left to whoever claims it (the PIIX3 reset control register).
/// </summary>
public sealed class PciHostBridge : IPortDevice
{
    /// <summary>CONFIG_ADDRESS and the first CONFIG_DATA port.</summary>
    public const ushort AddressPort = 0xCF8, DataPort = 0xCFC;

    private const uint Enable = 1u << 31;
    private readonly PciFunction?[] _functions = new PciFunction?[256];
    private uint _address;

    /// <summary>Puts <paramref name="function"/> at bus 0, <paramref name="device"/>.<paramref name="functionNumber"/>.</summary>
    public PciHostBridge Add(int device, int functionNumber, PciFunction function)
    {
        _functions[device << 3 | functionNumber] = function;
        return this;
    }

    /// <summary>The function at bus 0, <paramref name="device"/>.<paramref name="functionNumber"/>, if any.</summary>
    public PciFunction? Function(int device, int functionNumber) => _functions[device << 3 | functionNumber];

    /// <summary>Claims 0xCF8, 0xCFA–0xCFB and 0xCFC–0xCFF.</summary>
    public void Attach(IoBus bus)
    {
        bus.Register(AddressPort, 1, this);
        bus.Register(AddressPort + 2, 2, this);
        bus.Register(DataPort, 4, this);
    }

    /// <inheritdoc/>
    public uint Read(ushort port, int size)
    {
        if (port < DataPort)
            return _address >> (8 * (port - AddressPort)) & AllOnes(size);
        return Target(port) is var (function, offset) ? function.Read(offset, size) : AllOnes(size);
    }

    /// <inheritdoc/>
    public void Write(ushort port, int size, uint value)
    {
        if (port == AddressPort && size == 4)
            _address = value;
        else if (port >= DataPort && Target(port) is var (function, offset))
            function.Write(offset, size, value);
    }

    private (PciFunction, int)? Target(ushort port)
    {
        // Bits 23:16 bus, 15:8 device and function, 7:2 register (PCI 3.0 §3.2.2.3.2, figure 3-2).
        if ((_address & Enable) == 0 || (_address >> 16 & 0xFF) != 0 || _functions[_address >> 8 & 0xFF] is not { } function)
            return null;
        return (function, (int)(_address & 0xFC) + (port - DataPort));
    }

    private static uint AllOnes(int size) => size == 4 ? 0xFFFF_FFFFu : (1u << (8 * size)) - 1;
}
