using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>One ACPI structure a VMM writes into guest memory: its bytes and where they go.</summary>
/// <param name="Address">Guest-physical address.</param>
/// <param name="Bytes">The structure as written, checksum included.</param>
public sealed record AcpiTable(ulong Address, byte[] Bytes)
{
    /// <summary>The signature: "RSD PTR " for the RSDP, else the header's four bytes ("XSDT", "FACP", …).</summary>
    public string Signature => IsRsdp ? "RSD PTR " : Encoding.ASCII.GetString(Bytes, 0, 4);

    /// <summary>Whether this is the RSDP (which has no system description table header).</summary>
    public bool IsRsdp => Bytes.Length >= 8 && Encoding.ASCII.GetString(Bytes, 0, 8) == "RSD PTR ";

    /// <summary>The OEM ID (RSDP offset 9, table header offset 10).</summary>
    public string OemId => Encoding.ASCII.GetString(Bytes, IsRsdp ? 9 : 10, 6);

    /// <summary>The length in bytes.</summary>
    public int Length => Bytes.Length;

    /// <summary>The header's revision (the RSDP's at offset 15).</summary>
    public byte Revision => Bytes[IsRsdp ? 15 : 8];
}
