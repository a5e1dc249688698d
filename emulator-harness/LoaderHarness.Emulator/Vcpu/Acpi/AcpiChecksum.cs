namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI checksum: the byte that makes a structure's bytes sum to zero modulo 256 (ACPI 6.5 §5.2.5.3 for the
/// RSDP, §5.2.6 "Checksum" for every system description table).
/// </summary>
public static class AcpiChecksum
{
    /// <summary>The byte that, added to the sum of <paramref name="bytes"/>, gives zero modulo 256.</summary>
    public static byte Of(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes)
            sum += b;
        return (byte)(0 - sum);
    }

    /// <summary>Whether <paramref name="bytes"/> sum to zero modulo 256.</summary>
    public static bool IsValid(ReadOnlySpan<byte> bytes) => Of(bytes) == 0;
}
