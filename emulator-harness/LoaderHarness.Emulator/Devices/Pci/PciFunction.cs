using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Devices.Pci;

/// <summary>
/// One PCI function's 256-byte configuration space (PCI Local Bus Specification 3.0 §6.1) with a write mask per byte,
/// as QEMU keeps it (hw/pci/pci.c: <c>config</c> and <c>wmask</c>): a write changes only the bits its mask allows, so
/// read-only registers, unimplemented BARs (mask 0, read back as 0) and a BAR's size bits (the low bits of its mask
/// clear, read back as 0 after all ones are written) behave as the hardware's do. No function here raises an error
/// status bit, so the write-one-to-clear status bits stay 0 and the status register is read-only.
/// </summary>
public sealed class PciFunction
{
    /// <summary>Offsets in the type 0 header (PCI 3.0 §6.1, Linux include/uapi/linux/pci_regs.h PCI_*).</summary>
    public const int VendorId = 0x00, Command = 0x04, Revision = 0x08, CacheLineSize = 0x0C, HeaderType = 0x0E,
        Bar0 = 0x10, SubsystemVendorId = 0x2C, InterruptLine = 0x3C, InterruptPin = 0x3D, HeaderEnd = 0x40;

    /// <summary>pci_regs.h: PCI_COMMAND_IO, _MEMORY, _MASTER, _SERR, _INTX_DISABLE.</summary>
    public const ushort CommandIo = 0x1, CommandMemory = 0x2, CommandMaster = 0x4, CommandSerr = 0x100, CommandIntxDisable = 0x400;

    private readonly byte[] _config = new byte[256];
    private readonly byte[] _writable = new byte[256];

    /// <summary>
    /// A function with its identity and the writable bits every QEMU device starts with (hw/pci/pci.c pci_init_wmask):
    /// the command register's I/O, memory, bus-master, SERR# and INTx-disable bits, the cache line size, the interrupt
    /// line, and every byte past the header, which each device model interprets or keeps.
    /// </summary>
    public PciFunction(ushort vendor, ushort device, byte revision, uint classCode, byte headerType)
    {
        Set16(VendorId, vendor);
        Set16(VendorId + 2, device);
        Set32(Revision, classCode << 8 | revision);
        _config[HeaderType] = headerType;
        BinaryPrimitives.WriteUInt16LittleEndian(_writable.AsSpan(Command), CommandIo | CommandMemory | CommandMaster | CommandSerr | CommandIntxDisable);
        _writable[CacheLineSize] = 0xFF;
        _writable[InterruptLine] = 0xFF;
        _writable.AsSpan(HeaderEnd).Fill(0xFF);
    }

    /// <summary>Makes BAR <paramref name="index"/> an I/O BAR of <paramref name="size"/> bytes (a power of two) at <paramref name="port"/>.</summary>
    public PciFunction IoBar(int index, uint size, uint port)
    {
        var offset = Bar0 + 4 * index;
        // PCI 3.0 §6.2.5.1: bit 0 set marks I/O space; the address bits below the size read back as 0.
        BinaryPrimitives.WriteUInt32LittleEndian(_writable.AsSpan(offset), ~(size - 1));
        return Set32(offset, port | 1);
    }

    /// <summary>Sets a byte as firmware or reset left it, whatever the mask.</summary>
    public PciFunction Set8(int offset, byte value)
    {
        _config[offset] = value;
        return this;
    }

    /// <summary>Sets a 16-bit register as firmware or reset left it.</summary>
    public PciFunction Set16(int offset, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_config.AsSpan(offset), value);
        return this;
    }

    /// <summary>Sets a 32-bit register as firmware or reset left it.</summary>
    public PciFunction Set32(int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(offset), value);
        return this;
    }

    /// <summary>Reads <paramref name="size"/> bytes (1, 2 or 4) at <paramref name="offset"/>; bytes past the space read as all ones.</summary>
    public uint Read(int offset, int size)
    {
        uint value = 0;
        for (var i = 0; i < size; i++)
            value |= (uint)(offset + i < _config.Length ? _config[offset + i] : 0xFF) << (8 * i);
        return value;
    }

    /// <summary>Writes <paramref name="size"/> bytes at <paramref name="offset"/>, each through its write mask.</summary>
    public void Write(int offset, int size, uint value)
    {
        for (var i = 0; i < size && offset + i < _config.Length; i++)
        {
            var mask = _writable[offset + i];
            _config[offset + i] = (byte)((_config[offset + i] & ~mask) | ((byte)(value >> (8 * i)) & mask));
        }
    }
}
