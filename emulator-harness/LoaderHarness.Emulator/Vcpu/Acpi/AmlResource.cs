using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The resource descriptors (ACPI 6.5 §6.4) that the modelled VMMs put in <c>_CRS</c>, encoded as their AML
/// builders do (firecracker src/acpi-tables/src/aml.rs <c>Io</c>, <c>Interrupt</c>, <c>Memory32Fixed</c>,
/// <c>AddressSpace</c>).
/// </summary>
public static class AmlResource
{
    /// <summary>I/O Port Descriptor (§6.4.2.5): small item 0x47, Decode16, min, max, alignment, length.</summary>
    public static byte[] Io(ushort min, ushort max, byte alignment, byte length) =>
        [0x47, 1, (byte)min, (byte)(min >> 8), (byte)max, (byte)(max >> 8), alignment, length];

    /// <summary>
    /// IRQ Descriptor without the information byte (§6.4.2.1, ASL <c>IRQNoFlags</c>): small item 0x22, a 16-bit mask
    /// with bit <paramref name="irq"/> set (QEMU hw/acpi/aml-build.c <c>aml_irq_no_flags</c>).
    /// </summary>
    public static byte[] IrqNoFlags(byte irq) =>
        irq < 16 ? [0x22, (byte)(1 << irq), (byte)((1 << irq) >> 8)] : throw new ArgumentOutOfRangeException(nameof(irq), irq, "ISA IRQs are 0-15");

    /// <summary>
    /// DMA Descriptor (§6.4.2.2): small item 0x2A, an 8-bit channel mask with bit <paramref name="channel"/> set, and the
    /// flags byte (transfer type bits 0–1, bus master bit 2, DMA channel speed bits 5–6), as QEMU's hw/acpi/aml-build.c
    /// <c>aml_dma</c> writes it.
    /// </summary>
    public static byte[] Dma(byte channel, byte flags) =>
        channel < 8 ? [0x2A, (byte)(1 << channel), flags] : throw new ArgumentOutOfRangeException(nameof(channel), channel, "ISA DMA channels are 0-7");

    /// <summary>
    /// Extended Interrupt Descriptor (§6.4.3.6): large item 0x89, length 6, flags (bit 0 consumer, 1 edge, 2 active
    /// low, 3 shared), one interrupt number.
    /// </summary>
    public static byte[] Interrupt(bool consumer, bool edgeTriggered, bool activeLow, bool shared, uint number)
    {
        var d = new byte[9];
        d[0] = 0x89;
        d[1] = 6;
        d[3] = (byte)((shared ? 8 : 0) | (activeLow ? 4 : 0) | (edgeTriggered ? 2 : 0) | (consumer ? 1 : 0));
        d[4] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(5), number);
        return d;
    }

    /// <summary>
    /// Extended Interrupt Descriptor (§6.4.3.6) with several interrupt numbers, as QEMU's hw/acpi/aml-build.c
    /// <c>aml_interrupt</c> writes it: large item 0x89, length 2 + 4 × count, flags as <see cref="Interrupt(bool, bool, bool, bool, uint)"/>,
    /// the count, then each number.
    /// </summary>
    public static byte[] Interrupt(bool consumer, bool edgeTriggered, bool activeLow, bool shared, params uint[] numbers)
    {
        var d = new byte[5 + 4 * numbers.Length];
        d[0] = 0x89;
        BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(1), (ushort)(2 + 4 * numbers.Length));
        d[3] = (byte)((shared ? 8 : 0) | (activeLow ? 4 : 0) | (edgeTriggered ? 2 : 0) | (consumer ? 1 : 0));
        d[4] = (byte)numbers.Length;
        for (var i = 0; i < numbers.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(5 + 4 * i), numbers[i]);
        return d;
    }

    /// <summary>32-Bit Fixed Memory Range Descriptor (§6.4.3.4): large item 0x86, length 9, read/write bit, base, length.</summary>
    public static byte[] Memory32Fixed(bool readWrite, uint @base, uint length)
    {
        var d = new byte[12];
        d[0] = 0x86;
        d[1] = 9;
        d[3] = readWrite ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(4), @base);
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(8), length);
        return d;
    }

    /// <summary>
    /// QWord Address Space Descriptor (§6.4.3.5.1) for memory: large item 0x8A, length 43, resource type 0, general
    /// flags MinFixed | MaxFixed (0x0C), type flags (cacheability in bits 1–2, read/write bit 0), granularity 0,
    /// min, max, translation 0, length max − min + 1.
    /// </summary>
    /// <param name="cacheable">aml.rs <c>AddressSpaceCacheable</c>: 0 not cacheable, 1 cacheable, 2 write combining, 3 prefetchable.</param>
    /// <param name="readWrite">Read/write (else read-only).</param>
    /// <param name="min">First address.</param>
    /// <param name="max">Last address.</param>
    public static byte[] QWordMemory(byte cacheable, bool readWrite, ulong min, ulong max)
    {
        var d = new byte[46];
        d[0] = 0x8A;
        d[1] = 43;
        d[4] = 0x0C;
        d[5] = (byte)((cacheable << 1) | (readWrite ? 1 : 0));
        BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(14), min);
        BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(22), max);
        BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(38), max - min + 1);
        return d;
    }

    /// <summary>
    /// DWord Address Space Descriptor (§6.4.3.5.2) for memory, as crosvm's acpi_tables aml.rs <c>AddressSpace&lt;u32&gt;</c>
    /// writes it: large item 0x87, length 23, resource type 0, general flags MinFixed | MaxFixed (0x0C), type flags
    /// (cacheability in bits 1–2, read/write bit 0), granularity 0, min, max, translation 0, length max − min + 1.
    /// </summary>
    public static byte[] DWordMemory(byte cacheable, bool readWrite, uint min, uint max)
    {
        var d = new byte[26];
        d[0] = 0x87;
        d[1] = 23;
        d[4] = 0x0C;
        d[5] = (byte)((cacheable << 1) | (readWrite ? 1 : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(10), min);
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(14), max);
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(22), max - min + 1);
        return d;
    }

    /// <summary>
    /// Word Address Space Descriptor (§6.4.3.5.3) as acpi_tables <c>AddressSpace&lt;u16&gt;</c> writes it: large item
    /// 0x88, length 13, resource type (0 memory, 1 I/O, 2 bus number), general flags MinFixed | MaxFixed (0x0C), type
    /// flags, granularity 0, min, max, translation 0, length max − min + 1.
    /// </summary>
    private static byte[] WordAddressSpace(byte resourceType, byte typeFlags, ushort min, ushort max)
    {
        var d = new byte[16];
        d[0] = 0x88;
        d[1] = 13;
        d[3] = resourceType;
        d[4] = 0x0C;
        d[5] = typeFlags;
        BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(8), min);
        BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(10), max);
        BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(14), (ushort)(max - min + 1));
        return d;
    }

    /// <summary>WordBusNumber (aml.rs <c>AddressSpace::new_bus_number</c>): resource type 2, type flags 0.</summary>
    public static byte[] WordBusNumber(ushort min, ushort max) => WordAddressSpace(2, 0, min, max);

    /// <summary>WordIO (aml.rs <c>AddressSpace::new_io</c>): resource type 1, type flags 3 (ISA and non-ISA ranges, "EntireRange").</summary>
    public static byte[] WordIo(ushort min, ushort max) => WordAddressSpace(1, 3, min, max);
}
