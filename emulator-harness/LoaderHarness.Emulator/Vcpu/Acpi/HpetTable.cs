using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The IA-PC HPET Description Table (Intel "IA-PC HPET Specification" 1.0a, §3.2.4, Table 3): 56 bytes, signature
/// "HPET": the event timer block ID (the capabilities register's low 32 bits), the block's base address as a Generic
/// Address Structure, the HPET number, the minimum clock tick in periodic mode and the page protection attribute.
/// </summary>
public static class HpetTable
{
    /// <summary>Length of the table (HPET spec Table 3).</summary>
    public const int Size = 56;

    /// <summary>The table's bytes, checksummed.</summary>
    /// <param name="header">Signature "HPET".</param>
    /// <param name="eventTimerBlockId"><c>Event Timer Block ID</c> at 36.</param>
    /// <param name="baseAddress"><c>BASE_ADDRESS</c> at 40, a 12-byte GAS.</param>
    /// <param name="number"><c>HPET Number</c> at 52.</param>
    /// <param name="minimumTick"><c>Main Counter Minimum Clock_tick in Periodic Mode</c> at 53.</param>
    /// <param name="pageProtection"><c>Page Protection And OEM Attribute</c> at 55.</param>
    public static byte[] Build(SdtHeader header, uint eventTimerBlockId, GenericAddress baseAddress, byte number = 0, ushort minimumTick = 0, byte pageProtection = 0)
    {
        var table = header.NewTable(Size);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(36), eventTimerBlockId);
        baseAddress.WriteTo(table.AsSpan(40));
        table[52] = number;
        BinaryPrimitives.WriteUInt16LittleEndian(table.AsSpan(53), minimumTick);
        table[55] = pageProtection;
        return SdtHeader.Seal(table);
    }
}
