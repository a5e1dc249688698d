using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// AML OperationRegion and Field terms (ACPI 6.5 §20.2.5.2, "Named Objects Encoding"; ASL §19.6.100 OperationRegion,
/// §19.6.48 Field), encoded as rust-vmm acpi_tables 0.2.1 src/aml.rs <c>OpRegion</c> and <c>Field</c> do, the encoder
/// Cloud Hypervisor uses for its hotplug controllers' MMIO registers.
/// </summary>
public static class AmlField
{
    /// <summary>RegionSpace SystemMemory (§20.2.5.2; ASL RegionSpaceKeyword, §19.6.100): 0x00.</summary>
    public const byte SystemMemory = 0x00;
    /// <summary>RegionSpace SystemIO: 0x01.</summary>
    public const byte SystemIo = 0x01;

    /// <summary>RegionSpace PCI_Config: 0x02.</summary>
    public const byte PciConfig = 0x02;

    /// <summary>AccessType (FieldFlags bits 0–3, §19.6.48): AnyAcc 0, ByteAcc 1, WordAcc 2, DWordAcc 3, QWordAcc 4, BufferAcc 5.</summary>
    public enum Access : byte
    {
        /// <summary>AnyAcc.</summary>
        Any = 0,
        /// <summary>ByteAcc.</summary>
        Byte = 1,
        /// <summary>WordAcc.</summary>
        Word = 2,
        /// <summary>DWordAcc.</summary>
        DWord = 3,
        /// <summary>QWordAcc.</summary>
        QWord = 4,
        /// <summary>BufferAcc.</summary>
        Buffer = 5,
    }

    /// <summary>UpdateRule (FieldFlags bits 5–6, §19.6.48): Preserve 0, WriteAsOnes 1, WriteAsZeros 2.</summary>
    public enum Update : byte
    {
        /// <summary>Preserve.</summary>
        Preserve = 0,
        /// <summary>WriteAsOnes.</summary>
        WriteAsOnes = 1,
        /// <summary>WriteAsZeros.</summary>
        WriteAsZeros = 2,
    }

    /// <summary>One FieldElement: a NamedField (<paramref name="Name"/> set) or a ReservedField (<paramref name="Name"/> null) of <paramref name="Bits"/> bits.</summary>
    /// <param name="Name">The four-character NameSeg, or null for an Offset gap.</param>
    /// <param name="Bits">The element's width in bits.</param>
    public readonly record struct Entry(string? Name, int Bits)
    {
        /// <summary>A NamedField.</summary>
        public static Entry Named(string name, int bits) => new(name, bits);
        /// <summary>A ReservedField (an ASL Offset gap).</summary>
        public static Entry Reserved(int bits) => new(null, bits);
    }

    /// <summary>
    /// <c>DefOpRegion := OpRegionOp NameString RegionSpace RegionOffset RegionLen</c>, OpRegionOp = 0x5B 0x80; the
    /// offset and length as acpi_tables writes a <c>usize</c> (<see cref="Aml.CompactInteger"/>).
    /// </summary>
    public static byte[] OperationRegion(string path, byte space, ulong offset, ulong length) =>
        [0x5B, 0x80, .. Aml.NameString(path), space, .. Aml.CompactInteger(offset), .. Aml.CompactInteger(length)];

    /// <summary>
    /// <c>DefField := FieldOp PkgLength NameString FieldFlags FieldList</c>, FieldOp = 0x5B 0x81. FieldFlags: access
    /// type in bits 0–3, Lock in bit 4, update rule in bits 5–6. <c>NamedField := NameSeg PkgLength</c>,
    /// <c>ReservedField := 0x00 PkgLength</c>, where that PkgLength is the bit width and, unlike a package's, does
    /// not count its own bytes (aml.rs <c>create_pkg_length(length, false)</c>).
    /// </summary>
    public static byte[] Field(string region, Access access, bool @lock, Update update, params Entry[] entries)
    {
        var body = new List<byte>(Aml.NameString(region)) { (byte)((byte)access | (@lock ? 0x10 : 0) | ((byte)update << 5)) };
        foreach (var e in entries)
        {
            if (e.Name is { } name)
                body.AddRange(Encoding.ASCII.GetBytes(name.Length == 4 ? name : throw new ArgumentException($"field name \"{name}\" is not 4 characters", nameof(entries))));
            else
                body.Add(0x00);
            body.AddRange(BitLength(e.Bits));
        }
        return [0x5B, 0x81, .. Aml.WithPkgLength([.. body])];
    }

    /// <summary>A PkgLength that holds <paramref name="n"/> without counting itself (same byte-count thresholds as <see cref="Aml.WithPkgLength"/>).</summary>
    private static byte[] BitLength(int n)
    {
        var count = n < 63 ? 1 : n < 4094 ? 2 : n < (1 << 20) - 3 ? 3 : 4;
        if (count == 1)
            return [(byte)n];
        var result = new byte[count];
        result[0] = (byte)(((count - 1) << 6) | (n & 0xF));
        for (var i = 1; i < count; i++)
            result[i] = (byte)(n >> (4 + 8 * (i - 1)));
        return result;
    }
}
