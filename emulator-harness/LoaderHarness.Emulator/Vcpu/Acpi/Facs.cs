using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The Firmware ACPI Control Structure (ACPI 6.5 §5.2.10, Table 5.14): 64 bytes, no header checksum, signature "FACS"
/// and length at 0 and 4, the hardware signature, waking vectors, global lock and flags zero, version at 32.
/// </summary>
public static class Facs
{
    /// <summary>Length of the structure (Table 5.14), acpi_tables facs.rs <c>FACS::len()</c>.</summary>
    public const int Size = 64;

    /// <summary>The FACS's bytes with <paramref name="version"/> at offset 32 and every other field zero.</summary>
    public static byte[] Build(byte version)
    {
        var facs = new byte[Size];
        "FACS"u8.CopyTo(facs);
        BinaryPrimitives.WriteUInt32LittleEndian(facs.AsSpan(4), Size);
        facs[32] = version;
        return facs;
    }
}
