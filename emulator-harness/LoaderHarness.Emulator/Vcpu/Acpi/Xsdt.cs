using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>The Extended System Description Table (ACPI 6.5 §5.2.8, Table 5.7): the header, then one 64-bit address per table.</summary>
public static class Xsdt
{
    /// <summary>The XSDT's bytes: <paramref name="header"/> (signature "XSDT") and the <paramref name="entries"/>, checksummed.</summary>
    public static byte[] Build(SdtHeader header, IReadOnlyList<ulong> entries)
    {
        var table = header.NewTable(SdtHeader.Size + 8 * entries.Count);
        for (var i = 0; i < entries.Count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(SdtHeader.Size + 8 * i), entries[i]); // Entry at 36 + 8i
        return SdtHeader.Seal(table);
    }
}
