using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>The Root System Description Table (ACPI 6.5 §5.2.7, Table 5.5): the header, then one 32-bit address per table.</summary>
public static class Rsdt
{
    /// <summary>The RSDT's bytes: <paramref name="header"/> (signature "RSDT") and the <paramref name="entries"/>, checksummed.</summary>
    public static byte[] Build(SdtHeader header, IReadOnlyList<uint> entries)
    {
        var table = header.NewTable(SdtHeader.Size + 4 * entries.Count);
        for (var i = 0; i < entries.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(SdtHeader.Size + 4 * i), entries[i]); // Entry at 36 + 4i
        return SdtHeader.Seal(table);
    }
}
