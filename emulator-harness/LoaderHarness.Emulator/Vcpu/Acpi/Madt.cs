using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The Multiple APIC Description Table (ACPI 6.5 §5.2.12, Table 5.43): the header, the local APIC address and
/// flags, then interrupt controller structures, built by <see cref="LocalApic"/>, <see cref="IoApic"/> and
/// <see cref="InterruptSourceOverride"/>.
/// </summary>
public static class Madt
{
    /// <summary>Size of the fixed part: header, <c>Local Interrupt Controller Address</c> at 36, <c>Flags</c> at 40.</summary>
    public const int FixedSize = SdtHeader.Size + 8;

    /// <summary><c>Flags</c> bit 0, PCAT_COMPAT: the system also has dual 8259s (Table 5.44).</summary>
    public const uint PcatCompat = 1;

    /// <summary>The MADT's bytes, checksummed.</summary>
    /// <param name="header">Signature "APIC".</param>
    /// <param name="localApicAddress"><c>Local Interrupt Controller Address</c> at 36.</param>
    /// <param name="flags"><c>Flags</c> at 40.</param>
    /// <param name="entries">Interrupt controller structures, in order.</param>
    public static byte[] Build(SdtHeader header, uint localApicAddress, uint flags, IReadOnlyList<byte[]> entries)
    {
        var table = header.NewTable(FixedSize + entries.Sum(e => e.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(36), localApicAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(40), flags);
        var offset = FixedSize;
        foreach (var entry in entries)
        {
            entry.CopyTo(table, offset);
            offset += entry.Length;
        }
        return SdtHeader.Seal(table);
    }

    /// <summary>Processor Local APIC structure (§5.2.12.2, Table 5.46): type 0, length 8, UID, APIC ID, flags (bit 0 Enabled).</summary>
    public static byte[] LocalApic(byte processorUid, byte apicId, uint flags)
    {
        var e = new byte[] { 0, 8, processorUid, apicId, 0, 0, 0, 0 };
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), flags);
        return e;
    }

    /// <summary>
    /// Processor Local x2APIC structure (§5.2.12.12, Table 5.63): type 9, length 16, reserved, x2APIC ID, flags
    /// (bit 0 Enabled, bit 1 Online Capable, Table 5.47), ACPI processor UID.
    /// </summary>
    public static byte[] LocalX2Apic(uint x2ApicId, uint flags, uint processorUid)
    {
        var e = new byte[16];
        e[0] = 9;
        e[1] = 16;
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), x2ApicId);
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(12), processorUid);
        return e;
    }

    /// <summary>I/O APIC structure (§5.2.12.3, Table 5.48): type 1, length 12, ID, reserved, address, GSI base.</summary>
    public static byte[] IoApic(byte ioApicId, uint address, uint gsiBase)
    {
        var e = new byte[12];
        e[0] = 1;
        e[1] = 12;
        e[2] = ioApicId;
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), address);
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(8), gsiBase);
        return e;
    }

    /// <summary>
    /// Local APIC NMI structure (§5.2.12.7, Table 5.55): type 4, length 6, ACPI processor UID (0xFF: all processors),
    /// MPS INTI flags, the local APIC LINT# the NMI is wired to.
    /// </summary>
    public static byte[] LocalApicNmi(byte processorUid, ushort flags, byte lint) =>
        [4, 6, processorUid, (byte)flags, (byte)(flags >> 8), lint];

    /// <summary>Interrupt Source Override structure (§5.2.12.5, Table 5.49): type 2, length 10, bus 0 (ISA), source IRQ, GSI, MPS INTI flags.</summary>
    public static byte[] InterruptSourceOverride(byte source, uint gsi, ushort flags)
    {
        var e = new byte[10];
        e[0] = 2;
        e[1] = 10;
        e[3] = source;
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(4), gsi);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(8), flags);
        return e;
    }
}
