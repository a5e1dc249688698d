using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

[TestFixture]
public sealed class FdtHeaderTests
{
    // DT spec v0.4 §5.2, struct fdt_header: ten big-endian u32 fields in this order.
    private static readonly (string Field, int Offset, Func<FdtHeader, uint> Get)[] Fields =
    [
        ("magic", 0x00, h => h.Magic),
        ("totalsize", 0x04, h => h.TotalSize),
        ("off_dt_struct", 0x08, h => h.OffDtStruct),
        ("off_dt_strings", 0x0C, h => h.OffDtStrings),
        ("off_mem_rsvmap", 0x10, h => h.OffMemRsvmap),
        ("version", 0x14, h => h.Version),
        ("last_comp_version", 0x18, h => h.LastCompVersion),
        ("boot_cpuid_phys", 0x1C, h => h.BootCpuidPhys),
        ("size_dt_strings", 0x20, h => h.SizeDtStrings),
        ("size_dt_struct", 0x24, h => h.SizeDtStruct),
    ];

    private static IEnumerable<TestCaseData> FieldCases() =>
        Fields.Select((f, i) => new TestCaseData(i, f.Offset).SetName($"Field_{f.Field}_at_{f.Offset:X2}"));

    // A header whose every field differs, so a swapped offset cannot go unnoticed.
    private static readonly FdtHeader Distinct = new(
        FdtHeader.FdtMagic, 0x11111111, 0x22222222, 0x33333333, 0x44444444,
        0x55555555, 0x66666666, 0x77777777, 0x88888888, 0x99999999);

    [Test]
    public void Size_is_40_bytes_and_constants_match_the_spec()
    {
        // DT spec v0.4 §5.2: magic 0xd00dfeed, version 17, last_comp_version 16.
        FdtHeader.Size.ShouldBe(40);
        FdtHeader.FdtMagic.ShouldBe(0xD00DFEEDu);
        FdtHeader.CurrentVersion.ShouldBe(17u);
        FdtHeader.CurrentLastCompVersion.ShouldBe(16u);
    }

    [TestCaseSource(nameof(FieldCases))]
    public void Write_puts_each_field_big_endian_at_its_spec_offset(int field, int offset)
    {
        byte[] bytes = new byte[FdtHeader.Size];
        Distinct.Write(bytes);

        BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset)).ShouldBe(Fields[field].Get(Distinct));
    }

    [TestCaseSource(nameof(FieldCases))]
    public void Parse_reads_each_field_from_its_spec_offset(int field, int offset)
    {
        byte[] bytes = new byte[FdtHeader.Size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, FdtHeader.FdtMagic);
        if (offset != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset), 0xA5A5_0000u + (uint)offset);
        }

        uint expected = offset == 0 ? FdtHeader.FdtMagic : 0xA5A5_0000u + (uint)offset;
        Fields[field].Get(FdtHeader.Parse(bytes)).ShouldBe(expected);
    }

    [Test]
    public void Parse_rejects_a_buffer_shorter_than_the_header()
    {
        byte[] bytes = new byte[FdtHeader.Size - 1];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, FdtHeader.FdtMagic);

        Should.Throw<LoaderException>(() => FdtHeader.Parse(bytes)).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }

    [Test]
    public void Parse_rejects_a_wrong_magic()
    {
        byte[] bytes = new byte[FdtHeader.Size];
        Distinct.Write(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, FdtHeader.FdtMagic); // byte-swapped magic

        Should.Throw<LoaderException>(() => FdtHeader.Parse(bytes)).Code.ShouldBe(LoaderError.InvalidMagic);
    }
}
