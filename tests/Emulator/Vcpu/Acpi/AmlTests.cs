using LoaderHarness.Emulator.Vcpu.Acpi;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// The AML encoder against the byte vectors of the encoder the VMMs use: firecracker
/// src/acpi-tables/src/aml.rs's own tests (which give iasl's listing of each vector in a comment).
/// </summary>
[TestFixture]
public sealed class AmlTests
{
    [Test]
    public void Encodes_aml_rs_test_device_com1_byte_for_byte()
    {
        // aml.rs test_device: Device(_SB_.COM1) { Name(_HID, EisaId("PNP0501")), Name(_CRS, ResourceTemplate {
        // Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) {4}, IO(Decode16, 0x3F8, 0x3F8, 0, 8) }) }.
        byte[] expected =
        [
            0x5B, 0x82, 0x30, 0x2E, 0x5F, 0x53, 0x42, 0x5F, 0x43, 0x4F, 0x4D, 0x31, 0x08, 0x5F,
            0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x05, 0x01, 0x08, 0x5F, 0x43, 0x52, 0x53, 0x11,
            0x16, 0x0A, 0x13, 0x89, 0x06, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00, 0x47, 0x01,
            0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08, 0x79, 0x00,
        ];

        Aml.Device("_SB_.COM1",
            Aml.Name("_HID", Aml.EisaId("PNP0501")),
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.Interrupt(true, true, false, false, 4),
                AmlResource.Io(0x3F8, 0x3F8, 0, 8)))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_resource_template_memory32_fixed()
    {
        // aml.rs test_resource_template: Name(_CRS, ResourceTemplate { Memory32Fixed(ReadWrite, 0xE8000000, 0x10000000) }).
        byte[] expected =
        [
            0x08, 0x5F, 0x43, 0x52, 0x53, 0x11, 0x11, 0x0A, 0x0E, 0x86, 0x09, 0x00, 0x01, 0x00,
            0x00, 0x00, 0xE8, 0x00, 0x00, 0x00, 0x10, 0x79, 0x00,
        ];

        Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Memory32Fixed(true, 0xE800_0000, 0x1000_0000))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_resource_template_qword_memory()
    {
        // aml.rs test_resource_template: QWordMemory(ResourceConsumer, PosDecode, MinFixed, MaxFixed, Cacheable,
        // ReadWrite, 0, 0x800000000, 0xFFFFFFFFF, 0, 0x800000000).
        byte[] expected =
        [
            0x08, 0x5F, 0x43, 0x52, 0x53, 0x11, 0x33, 0x0A, 0x30, 0x8A, 0x2B, 0x00, 0x00, 0x0C,
            0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
            0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x79,
            0x00,
        ];

        Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.QWordMemory(1, true, 0x8_0000_0000, 0xF_FFFF_FFFF))).ShouldBe(expected);
    }

    [TestCase(0, new byte[] { 0x01 })]
    [TestCase(62, new byte[] { 0x3F })]
    // 63 bytes need two length bytes: 65 = 0x41 -> lead 0x40 | 0x1, then 0x41 >> 4 = 0x04.
    [TestCase(63, new byte[] { 0x41, 0x04 })]
    [TestCase(4093, new byte[] { 0x4F, 0xFF })]
    // 4094 bytes need three: 4097 = 0x1001 -> lead 0x80 | 0x1, then 0x00, 0x01.
    [TestCase(4094, new byte[] { 0x81, 0x00, 0x01 })]
    public void Pkg_length_counts_itself_with_aml_rs_thresholds(int bodyLength, byte[] lead)
    {
        // ACPI 6.5 §20.2.4 PkgLength; aml.rs create_pkg_length picks 1 byte below 63, 2 below 4094, 3 below 2^20 - 3.
        var encoded = Aml.WithPkgLength(new byte[bodyLength]);

        encoded.Length.ShouldBe(bodyLength + lead.Length);
        encoded[..lead.Length].ShouldBe(lead);
    }

    [Test]
    public void Encodes_names_strings_and_integers_as_the_grammar_says()
    {
        // §20.2.2 NameString: root prefix, DualNamePrefix 0x2E, MultiNamePrefix 0x2F with a count.
        Aml.NameString("_HID").ShouldBe("_HID"u8.ToArray());
        Aml.NameString("\\_SB_.VGEN").ShouldBe([(byte)'\\', 0x2E, .. "_SB_VGEN"u8.ToArray()]);
        Aml.NameString("_SB_.PCI0.ISA_").ShouldBe([0x2F, 3, .. "_SB_PCI0ISA_"u8.ToArray()]);
        // §20.2.3: StringPrefix 0x0D ... NullChar; BytePrefix 0x0A, WordPrefix 0x0B, DWordPrefix 0x0C, QWordPrefix 0x0E.
        Aml.String("COM1").ShouldBe([0x0D, .. "COM1"u8.ToArray(), 0]);
        Aml.Integer(0).ShouldBe([0x0A, 0]);
        Aml.Integer(0x3F8).ShouldBe([0x0B, 0xF8, 0x03]);
        Aml.Integer(0xE_0000).ShouldBe([0x0C, 0x00, 0x00, 0x0E, 0x00]);
        Aml.Integer(1UL << 32).ShouldBe([0x0E, 0, 0, 0, 0, 1, 0, 0, 0]);
        // EISAID("PNP0303") = 0x0303D041 (ACPI 6.5 §19.6.35), as aml.rs test_eisa_name gives it.
        Aml.EisaId("PNP0303").ShouldBe([0x0C, 0x41, 0xD0, 0x03, 0x03]);
    }

    [Test]
    public void Encodes_a_serialized_method_with_if_lequal_notify()
    {
        // Method(_EVT, 1, Serialized) { If (Arg0 == 5) { Notify(\_SB_.VGEN, 0x80) } }: MethodOp 0x14, flags 1 | 8,
        // IfOp 0xA0, LEqualOp 0x93, Arg0Op 0x68, NotifyOp 0x86 (ACPI 6.5 §20.2.5).
        byte[] notify = [0x86, (byte)'\\', 0x2E, .. "_SB_VGEN"u8.ToArray(), 0x0A, 0x80];
        byte[] ifTerm = [0xA0, (byte)(1 + 4 + notify.Length), 0x93, 0x68, 0x0A, 0x05, .. notify];
        byte[] expected = [0x14, (byte)(1 + 4 + 1 + ifTerm.Length), .. "_EVT"u8.ToArray(), 0x09, .. ifTerm];

        Aml.Method("_EVT", 1, true, Aml.If(Aml.LEqual(Aml.Arg(0), Aml.Byte(5)), Aml.Notify("\\_SB_.VGEN", Aml.Integer(0x80)))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_local_if_store_into_local0()
    {
        // acpi_tables 0.2.1 aml.rs test_local_if: Method(TEST, 0) { Local0 = One; If (Local0 == Zero) { Return(One) } Return(Zero) }.
        byte[] expected =
        [
            0x14, 0x12, 0x54, 0x45, 0x53, 0x54, 0x00, 0x70, 0x01, 0x60, 0xA0, 0x06, 0x93, 0x60,
            0x00, 0xA4, 0x01, 0xA4, 0x00,
        ];

        Aml.Method("TEST", 0, false,
            Aml.Store(Aml.CompactInteger(1), Aml.Local(0)),
            Aml.If(Aml.LEqual(Aml.Local(0), Aml.CompactInteger(0)), Aml.Return(Aml.CompactInteger(1))),
            Aml.Return(Aml.CompactInteger(0))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_mutex_acquire_and_release()
    {
        // acpi_tables 0.2.1 aml.rs test_mutex: Device(_SB_.MHPC) { Name(_HID, EisaId("PNP0A06")), Mutex(MLCK, 0),
        // Method(TEST, 0) { Acquire(MLCK, 0xFFFF); Local0 = One; Release(MLCK) } }.
        byte[] expected =
        [
            0x5B, 0x82, 0x33, 0x2E, 0x5F, 0x53, 0x42, 0x5F, 0x4D, 0x48, 0x50, 0x43, 0x08, 0x5F,
            0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x0A, 0x06, 0x5B, 0x01, 0x4D, 0x4C, 0x43, 0x4B,
            0x00, 0x14, 0x17, 0x54, 0x45, 0x53, 0x54, 0x00, 0x5B, 0x23, 0x4D, 0x4C, 0x43, 0x4B,
            0xFF, 0xFF, 0x70, 0x01, 0x60, 0x5B, 0x27, 0x4D, 0x4C, 0x43, 0x4B,
        ];

        Aml.Device("_SB_.MHPC",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Mutex("MLCK", 0),
            Aml.Method("TEST", 0, false,
                Aml.Acquire("MLCK", 0xFFFF),
                Aml.Store(Aml.CompactInteger(1), Aml.Local(0)),
                Aml.Release("MLCK"))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_notify_on_a_relative_path()
    {
        // acpi_tables 0.2.1 aml.rs test_notify: Device(_SB_.MHPC) { Name(_HID, EisaId("PNP0A06")), Method(TEST, 0) { Notify(MHPC, One) } }.
        byte[] expected =
        [
            0x5B, 0x82, 0x21, 0x2E, 0x5F, 0x53, 0x42, 0x5F, 0x4D, 0x48, 0x50, 0x43, 0x08, 0x5F,
            0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x0A, 0x06, 0x14, 0x0C, 0x54, 0x45, 0x53, 0x54,
            0x00, 0x86, 0x4D, 0x48, 0x50, 0x43, 0x01,
        ];

        Aml.Device("_SB_.MHPC",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Method("TEST", 0, false, Aml.Notify("MHPC", Aml.CompactInteger(1)))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_while_with_lless_and_add()
    {
        // acpi_tables 0.2.1 aml.rs test_while: Method(TEST, 0) { Local0 = Zero; While (Local0 < 4) { Local0 += One } } in Device(_SB_.MHPC).
        byte[] expected =
        [
            0x5B, 0x82, 0x28, 0x2E, 0x5F, 0x53, 0x42, 0x5F, 0x4D, 0x48, 0x50, 0x43, 0x08, 0x5F,
            0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x0A, 0x06, 0x14, 0x13, 0x54, 0x45, 0x53, 0x54,
            0x00, 0x70, 0x00, 0x60, 0xA2, 0x09, 0x95, 0x60, 0x0A, 0x04, 0x72, 0x60, 0x01, 0x60,
        ];

        Aml.Device("_SB_.MHPC",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Method("TEST", 0, false,
                Aml.Store(Aml.CompactInteger(0), Aml.Local(0)),
                Aml.While(Aml.LLess(Aml.Local(0), Aml.CompactInteger(4)),
                    Aml.Add(Aml.Local(0), Aml.CompactInteger(1), Aml.Local(0))))).ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_method_call()
    {
        // acpi_tables 0.2.1 aml.rs test_method_call: Method(TST1, 1) { TST2(One, One) } Method(TST2, 2) { TST1(One) }.
        byte[] expected =
        [
            0x14, 0x0C, 0x54, 0x53, 0x54, 0x31, 0x01, 0x54, 0x53, 0x54, 0x32, 0x01, 0x01, 0x14,
            0x0B, 0x54, 0x53, 0x54, 0x32, 0x02, 0x54, 0x53, 0x54, 0x31, 0x01,
        ];

        byte[] methods =
        [
            .. Aml.Method("TST1", 1, false, Aml.Call("TST2", Aml.CompactInteger(1), Aml.CompactInteger(1))),
            .. Aml.Method("TST2", 2, false, Aml.Call("TST1", Aml.CompactInteger(1))),
        ];
        methods.ShouldBe(expected);
    }

    [Test]
    public void Encodes_aml_rs_test_buffer_and_a_one_byte_buffers_size_as_one_op()
    {
        // acpi_tables 0.2.1 aml.rs test_buffer: Name(_MAT, Buffer(8) { 0, 8, 0, 0, 1, 0, 0, 0 }).
        byte[] expected =
        [
            0x08, 0x5F, 0x4D, 0x41, 0x54, 0x11, 0x0B, 0x0A, 0x08, 0x00, 0x08, 0x00, 0x00, 0x01,
            0x00, 0x00, 0x00,
        ];

        Aml.Name("_MAT", Aml.Buffer(0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00)).ShouldBe(expected);
        // BufferData writes its length as a usize, and aml.rs impl Aml for Byte makes 1 the OneOp: Buffer(One) { 0x21 }.
        Aml.Buffer(0x21).ShouldBe(new byte[] { 0x11, 0x03, 0x01, 0x21 });
    }

    [Test]
    public void Encodes_and_and_shift_left_with_their_target_last()
    {
        // ACPI 6.5 §20.2.5.4: DefAnd := AndOp Operand Operand Target, DefShiftLeft := ShiftLeftOp Operand ShiftCount
        // Target; §20.3 (AML Byte Stream Byte Values): AndOp 0x7B, ShiftLeftOp 0x79, Local0Op 0x60, Local7Op 0x67.
        Aml.And(Aml.Local(0), Aml.CompactInteger(1), Aml.Local(1)).ShouldBe(new byte[] { 0x7B, 0x60, 0x01, 0x61 });
        Aml.ShiftLeft(Aml.CompactInteger(1), Aml.Arg(0), Aml.Path("B0EJ")).ShouldBe([0x79, 0x01, 0x68, .. "B0EJ"u8.ToArray()]);
        Aml.Local(7).ShouldBe(new byte[] { 0x67 });
        Should.Throw<ArgumentOutOfRangeException>(() => Aml.Local(8));
    }

    [Test]
    public void Encodes_aml_rs_test_resource_template_word_bus_number_and_word_io()
    {
        // acpi_tables 0.2.1 aml.rs test_resource_template: WordBusNumber(0, 0xFF), then WordIO(0, 0xCF7) and WordIO(0xD00, 0xFFFF).
        byte[] busNumber =
        [
            0x08, 0x5F, 0x43, 0x52, 0x53, 0x11, 0x15, 0x0A, 0x12, 0x88, 0x0D, 0x00, 0x02, 0x0C,
            0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01, 0x79, 0x00,
        ];
        byte[] io =
        [
            0x08, 0x5F, 0x43, 0x52, 0x53, 0x11, 0x25, 0x0A, 0x22, 0x88, 0x0D, 0x00, 0x01, 0x0C,
            0x03, 0x00, 0x00, 0x00, 0x00, 0xF7, 0x0C, 0x00, 0x00, 0xF8, 0x0C, 0x88, 0x0D, 0x00,
            0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xF3, 0x79,
            0x00,
        ];

        Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.WordBusNumber(0, 0xFF))).ShouldBe(busNumber);
        Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.WordIo(0, 0xCF7), AmlResource.WordIo(0xD00, 0xFFFF))).ShouldBe(io);
    }

    [Test]
    public void Encodes_else_or_and_create_dword_field_with_their_opcodes()
    {
        // §20.2.5.3 DefElse := ElseOp (0xA1) PkgLength TermList; §20.2.5.4 DefOr := OrOp (0x7D) Operand Operand Target;
        // §20.2.5.2 DefCreateDWordField := CreateDWordFieldOp (0x8A) SourceBuff ByteIndex NameString.
        Aml.Else(Aml.Return(Aml.Arg(3))).ShouldBe(new byte[] { 0xA1, 0x03, 0xA4, 0x6B });
        Aml.Or(Aml.Byte(4), Aml.Path("CDW1"), Aml.Path("CDW1"))
            .ShouldBe(new byte[] { 0x7D, 0x0A, 0x04, 0x43, 0x44, 0x57, 0x31, 0x43, 0x44, 0x57, 0x31 });
        Aml.CreateDWordField(Aml.Arg(3), [0x00], "CDW1").ShouldBe(new byte[] { 0x8A, 0x6B, 0x00, 0x43, 0x44, 0x57, 0x31 });
    }

    [Test]
    public void To_uuid_stores_the_first_three_groups_little_endian()
    {
        // §19.6.142 ToUUID: "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp" is the buffer dd cc bb aa ff ee hh gg ii jj kk ll mm nn oo pp;
        // the PCI host bridge _OSC UUID (PCI Firmware 3.2 §4.5.1) as a Buffer(16).
        Aml.ToUuid("33DB4D5B-1FF7-401C-9657-7441C03DD766").ShouldBe(new byte[]
        {
            0x11, 0x13, 0x0A, 0x10,
            0x5B, 0x4D, 0xDB, 0x33, 0xF7, 0x1F, 0x1C, 0x40, 0x96, 0x57, 0x74, 0x41, 0xC0, 0x3D, 0xD7, 0x66,
        });
        Should.Throw<ArgumentException>(() => Aml.ToUuid("33DB4D5B1FF7401C96577441C03DD766"));
    }

    [Test]
    public void Encodes_a_dword_memory_address_space_descriptor()
    {
        // §6.4.3.5.2 DWord Address Space Descriptor: 0x87, length 23, memory, MinFixed|MaxFixed, ReadWrite non-cacheable,
        // granularity, min, max, translation, length.
        AmlResource.DWordMemory(0, true, 0x1000, 0x1FFF).ShouldBe(new byte[]
        {
            0x87, 0x17, 0x00, 0x00, 0x0C, 0x01, 0, 0, 0, 0, 0x00, 0x10, 0, 0, 0xFF, 0x1F, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0,
        });
    }

    [Test]
    public void Encodes_the_terms_qemus_dsdt_adds_as_its_live_table_holds_them()
    {
        // QEMU 7.2 -M pc DSDT (tests/Emulator/Vcpu/Acpi/QemuPcOracle) at 0x48 (build_dbg_aml): ToHexString(Arg0, Local0), ToBuffer(Local0, Local0),
        // Subtract(SizeOf(Local0), One, Local1).
        Aml.ToHexString(Aml.Arg(0), Aml.Local(0)).ShouldBe(new byte[] { 0x98, 0x68, 0x60 });
        Aml.ToBuffer(Aml.Local(0), Aml.Local(0)).ShouldBe(new byte[] { 0x96, 0x60, 0x60 });
        Aml.Subtract(Aml.SizeOf(Aml.Local(0)), Aml.CompactInteger(1), Aml.Local(1)).ShouldBe(new byte[] { 0x74, 0x87, 0x60, 0x01, 0x61 });
        // Store(DerefOf(Index(Local0, Local2)), DBGB), Increment(Local2): Index's target is NullName.
        Aml.Store(Aml.DerefOf(Aml.Index(Aml.Local(0), Aml.Local(2))), Aml.Path("DBGB"))
            .ShouldBe(new byte[] { 0x70, 0x83, 0x88, 0x60, 0x62, 0x00, (byte)'D', (byte)'B', (byte)'G', (byte)'B' });
        Aml.Increment(Aml.Local(2)).ShouldBe(new byte[] { 0x75, 0x62 });
        // At 0x7C9 (CSCN): While(LAnd(LEqual(Local0, One), LLess(Local3, One))) opens 0xA2 0x4C 0x0C 0x90 0x93 0x60 0x01 0x95 0x63 0x01.
        Aml.LAnd(Aml.LEqual(Aml.Local(0), Aml.CompactInteger(1)), Aml.LLess(Aml.Local(3), Aml.CompactInteger(1)))
            .ShouldBe(new byte[] { 0x90, 0x93, 0x60, 0x01, 0x95, 0x63, 0x01 });
        Aml.LNot(Aml.LEqual(Aml.Arg(2), Aml.CompactInteger(0))).ShouldBe(new byte[] { 0x92, 0x93, 0x6A, 0x00 });
        Aml.Store(Aml.Local(3), Aml.Debug()).ShouldBe(new byte[] { 0x70, 0x63, 0x5B, 0x31 });
        Aml.Break().ShouldBe(new byte[] { 0xA5 });
        // Name(CNEW, Package(0xFF) {}) and Package(0x80) {}: NumElements without elements.
        Aml.PackageOfSize(0xFF).ShouldBe(new byte[] { 0x12, 0x02, 0xFF });
        // At 0x992: Processor(C000, 0x00, 0x00000000, 0x00) { … } with its PkgLength.
        Aml.Processor("C000", 0, 0, 0).ShouldBe(new byte[] { 0x5B, 0x83, 0x0B, (byte)'C', (byte)'0', (byte)'0', (byte)'0', 0, 0, 0, 0, 0, 0 });
    }

    [Test]
    public void Encodes_an_extended_interrupt_descriptor_with_several_interrupts()
    {
        // §6.4.3.6: 0x89, length 2 + 4 × 3, consumer | shared (level, active high), three interrupts: build_link_dev's _PRS.
        AmlResource.Interrupt(true, false, false, true, [5u, 10u, 11u]).ShouldBe(new byte[]
        {
            0x89, 0x0E, 0x00, 0x09, 0x03, 5, 0, 0, 0, 10, 0, 0, 0, 11, 0, 0, 0,
        });
    }
}
