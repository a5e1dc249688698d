using LoaderHarness.Emulator.Vcpu.Acpi;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>OperationRegion and Field against rust-vmm acpi_tables 0.2.1 src/aml.rs's own tests (test_op_region, test_field), which give iasl's listing of each vector.</summary>
[TestFixture]
public sealed class AmlFieldTests
{
    [Test]
    public void Encodes_aml_rs_test_op_region()
    {
        // aml.rs test_op_region: OperationRegion(PRST, SystemIO, 0x0CD8, 0x0C).
        byte[] expected = [0x5B, 0x80, 0x50, 0x52, 0x53, 0x54, 0x01, 0x0B, 0xD8, 0x0C, 0x0A, 0x0C];

        AmlField.OperationRegion("PRST", AmlField.SystemIo, 0xCD8, 0xC).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_field_byte_access_with_offsets()
    {
        // aml.rs test_field: Field(PRST, ByteAcc, NoLock, WriteAsZeros) { Offset(4), CPEN 1, CINS 1, CRMV 1, CEJ0 1, Offset(5), CCMD 8 }.
        byte[] expected =
        [
            0x5B, 0x81, 0x23, 0x50, 0x52, 0x53, 0x54, 0x41, 0x00, 0x20, 0x43, 0x50, 0x45, 0x4E,
            0x01, 0x43, 0x49, 0x4E, 0x53, 0x01, 0x43, 0x52, 0x4D, 0x56, 0x01, 0x43, 0x45, 0x4A,
            0x30, 0x01, 0x00, 0x04, 0x43, 0x43, 0x4D, 0x44, 0x08,
        ];

        AmlField.Field("PRST", AmlField.Access.Byte, false, AmlField.Update.WriteAsZeros,
            AmlField.Entry.Reserved(32),
            AmlField.Entry.Named("CPEN", 1), AmlField.Entry.Named("CINS", 1), AmlField.Entry.Named("CRMV", 1), AmlField.Entry.Named("CEJ0", 1),
            AmlField.Entry.Reserved(4),
            AmlField.Entry.Named("CCMD", 8)).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_field_dword_access_with_lock()
    {
        // aml.rs test_field: Field(PRST, DWordAcc, Lock, Preserve) { CSEL 32, Offset(8), CDAT 32 }: flags 0x03 | 0x10.
        byte[] expected =
        [
            0x5B, 0x81, 0x12, 0x50, 0x52, 0x53, 0x54, 0x13, 0x43, 0x53, 0x45, 0x4C, 0x20, 0x00,
            0x20, 0x43, 0x44, 0x41, 0x54, 0x20,
        ];

        AmlField.Field("PRST", AmlField.Access.DWord, true, AmlField.Update.Preserve,
            AmlField.Entry.Named("CSEL", 32), AmlField.Entry.Reserved(32), AmlField.Entry.Named("CDAT", 32)).ShouldBe(expected);
    }

    [Test]
    public void A_field_wider_than_62_bits_takes_a_two_byte_length_that_does_not_count_itself()
    {
        // ACPI 6.5 §20.2.4 PkgLength; aml.rs Field uses create_pkg_length(length, false): 64 = 0x40 -> lead 0x40 | 0x0, then 0x04.
        var field = AmlField.Field("RGN0", AmlField.Access.QWord, false, AmlField.Update.Preserve, AmlField.Entry.Named("WIDE", 64));

        field[^6..].ShouldBe([.. "WIDE"u8.ToArray(), 0x40, 0x04]);
        field[7].ShouldBe((byte)0x04); // QWordAcc, NoLock, Preserve
    }
}
