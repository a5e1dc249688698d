using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The PCI Express memory-mapped configuration table (PCI Firmware Specification 3.2 §4.1.2, Tables 4-2 and 4-3):
/// the header, 8 reserved bytes, then 16 bytes per ECAM range (base address, segment group, start and end bus).
/// </summary>
public static class Mcfg
{
    /// <summary>One configuration-space base address allocation structure (PCI Firmware 3.2 Table 4-3).</summary>
    /// <param name="BaseAddress">Base address of the enhanced configuration mechanism, at 0.</param>
    /// <param name="Segment">PCI segment group number, at 8.</param>
    /// <param name="StartBus">Start PCI bus number decoded, at 10.</param>
    /// <param name="EndBus">End PCI bus number decoded, at 11.</param>
    public readonly record struct Allocation(ulong BaseAddress, ushort Segment, byte StartBus, byte EndBus);

    /// <summary>The MCFG's bytes for <paramref name="allocations"/>, checksummed.</summary>
    public static byte[] Build(SdtHeader header, IReadOnlyList<Allocation> allocations)
    {
        var table = header.NewTable(SdtHeader.Size + 8 + 16 * allocations.Count);
        for (var i = 0; i < allocations.Count; i++)
        {
            var entry = table.AsSpan(SdtHeader.Size + 8 + 16 * i);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, allocations[i].BaseAddress);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[8..], allocations[i].Segment);
            entry[10] = allocations[i].StartBus;
            entry[11] = allocations[i].EndBus;
        }
        return SdtHeader.Seal(table);
    }
}
