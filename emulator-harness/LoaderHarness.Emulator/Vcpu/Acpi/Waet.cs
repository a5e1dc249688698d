using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The Windows ACPI Emulated Devices Table (Microsoft "Windows ACPI Emulated Devices Table" 1.0, Table 1): 40 bytes,
/// signature "WAET", then <c>Emulated Device Flags</c> at 36: bit 0 RTC good (no need to read status register C after an
/// interrupt), bit 1 ACPI PM timer good (one read returns a correct value).
/// </summary>
public static class Waet
{
    /// <summary>Length of the table.</summary>
    public const int Size = 40;
    /// <summary><c>Emulated Device Flags</c> bit 1: ACPI PM Timer Good.</summary>
    public const uint PmTimerGood = 1u << 1;

    /// <summary>The table's bytes with <paramref name="flags"/>, checksummed.</summary>
    public static byte[] Build(SdtHeader header, uint flags)
    {
        var table = header.NewTable(Size);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(36), flags);
        return SdtHeader.Seal(table);
    }
}
