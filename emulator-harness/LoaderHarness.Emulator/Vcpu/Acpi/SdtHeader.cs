using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The 36-byte header every system description table starts with (ACPI 6.5 §5.2.6, Table 5.4). Its
/// <c>length</c> and <c>checksum</c> are filled in by <see cref="Seal"/> once the whole table is laid out.
/// </summary>
/// <param name="Signature"><c>Signature</c> at 0, four ASCII bytes ("FACP", "APIC", …).</param>
/// <param name="Revision"><c>Revision</c> at 8.</param>
/// <param name="OemId"><c>OEMID</c> at 10, six ASCII bytes.</param>
/// <param name="OemTableId"><c>OEM Table ID</c> at 16, eight ASCII bytes.</param>
/// <param name="OemRevision"><c>OEM Revision</c> at 24.</param>
/// <param name="CreatorId"><c>Creator ID</c> at 28, four ASCII bytes.</param>
/// <param name="CreatorRevision"><c>Creator Revision</c> at 32.</param>
public readonly record struct SdtHeader(string Signature, byte Revision, string OemId, string OemTableId, uint OemRevision, string CreatorId, uint CreatorRevision)
{
    /// <summary>Size of the header (ACPI 6.5 Table 5.4).</summary>
    public const int Size = 36;
    /// <summary>Offset of <c>Length</c>.</summary>
    public const int LengthOffset = 4;
    /// <summary>Offset of <c>Checksum</c>.</summary>
    public const int ChecksumOffset = 9;

    /// <summary>A table of <paramref name="length"/> bytes starting with this header, its length set and checksum zero.</summary>
    public byte[] NewTable(int length)
    {
        var table = new byte[length];
        Ascii(table.AsSpan(0, 4), Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(LengthOffset), (uint)length);
        table[8] = Revision;
        Ascii(table.AsSpan(10, 6), OemId);
        Ascii(table.AsSpan(16, 8), OemTableId);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(24), OemRevision);
        Ascii(table.AsSpan(28, 4), CreatorId);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(32), CreatorRevision);
        return table;
    }

    /// <summary>Sets <paramref name="table"/>'s checksum so that its bytes sum to zero, and returns it.</summary>
    public static byte[] Seal(byte[] table)
    {
        table[ChecksumOffset] = 0;
        table[ChecksumOffset] = AcpiChecksum.Of(table);
        return table;
    }

    /// <summary>The header read back from <paramref name="table"/>.</summary>
    public static SdtHeader Parse(ReadOnlySpan<byte> table) => new(
        Encoding.ASCII.GetString(table[..4]), table[8], Encoding.ASCII.GetString(table.Slice(10, 6)),
        Encoding.ASCII.GetString(table.Slice(16, 8)), BinaryPrimitives.ReadUInt32LittleEndian(table[24..]),
        Encoding.ASCII.GetString(table.Slice(28, 4)), BinaryPrimitives.ReadUInt32LittleEndian(table[32..]));

    /// <summary>Writes <paramref name="text"/> as exactly <paramref name="field"/>'s length of ASCII bytes.</summary>
    internal static void Ascii(Span<byte> field, string text)
    {
        if (text.Length != field.Length)
            throw new ArgumentException($"\"{text}\" is not {field.Length} characters long", nameof(text));
        Encoding.ASCII.GetBytes(text, field);
    }
}
