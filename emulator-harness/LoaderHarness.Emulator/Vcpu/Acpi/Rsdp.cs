using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The Root System Description Pointer, revision 2 (ACPI 6.5 §5.2.5.3, Table 5.3): 36 bytes that lead the OS to
/// the XSDT. The kernel finds it through <c>boot_params.acpi_rsdp_addr</c>, <c>hvm_start_info.rsdp_paddr</c>, or
/// by scanning the EBDA and 0xE0000–0xFFFFF for "RSD PTR " on a 16-byte boundary (drivers/acpi/acpica/tbxfroot.c
/// acpi_find_root_pointer).
/// </summary>
public static class Rsdp
{
    /// <summary>Length of a revision-2 RSDP (Table 5.3 <c>Length</c>).</summary>
    public const int Size = 36;
    /// <summary>Length of a revision-0 (ACPI 1.0) RSDP: through <c>RsdtAddress</c> (Table 5.3, the first 20 bytes).</summary>
    public const int Revision0Size = 20;

    /// <summary>
    /// The ACPI 1.0 RSDP (revision 0): <paramref name="oemId"/> and the RSDT at <paramref name="rsdtAddress"/>, 20 bytes
    /// with only the first checksum; no length, XSDT or extended checksum.
    /// </summary>
    public static byte[] BuildRevision0(string oemId, uint rsdtAddress)
    {
        var rsdp = new byte[Revision0Size];
        SdtHeader.Ascii(rsdp.AsSpan(0, 8), "RSD PTR ");           // Signature at 0
        SdtHeader.Ascii(rsdp.AsSpan(9, 6), oemId);                // OEMID at 9
        BinaryPrimitives.WriteUInt32LittleEndian(rsdp.AsSpan(16), rsdtAddress); // RsdtAddress at 16; Revision at 15 stays 0
        rsdp[8] = AcpiChecksum.Of(rsdp);                          // Checksum at 8
        return rsdp;
    }

    /// <summary>The RSDP's bytes: <paramref name="oemId"/>, no RSDT, the XSDT at <paramref name="xsdtAddress"/>.</summary>
    /// <param name="oemId"><c>OEMID</c> at 9.</param>
    /// <param name="xsdtAddress"><c>XsdtAddress</c> at 24.</param>
    /// <param name="rsdtAddress"><c>RsdtAddress</c> at 16 (0: no RSDT).</param>
    public static byte[] Build(string oemId, ulong xsdtAddress, uint rsdtAddress = 0)
    {
        var rsdp = new byte[Size];
        SdtHeader.Ascii(rsdp.AsSpan(0, 8), "RSD PTR ");           // Signature at 0, with its trailing space
        SdtHeader.Ascii(rsdp.AsSpan(9, 6), oemId);                // OEMID at 9
        rsdp[15] = 2;                                             // Revision at 15: 2 for ACPI 2.0+
        BinaryPrimitives.WriteUInt32LittleEndian(rsdp.AsSpan(16), rsdtAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(rsdp.AsSpan(20), Size); // Length at 20
        BinaryPrimitives.WriteUInt64LittleEndian(rsdp.AsSpan(24), xsdtAddress);
        rsdp[8] = AcpiChecksum.Of(rsdp.AsSpan(0, 20));            // Checksum at 8: the ACPI 1.0 part, bytes 0–19
        rsdp[32] = AcpiChecksum.Of(rsdp);                         // Extended Checksum at 32: the whole structure
        return rsdp;
    }
}
