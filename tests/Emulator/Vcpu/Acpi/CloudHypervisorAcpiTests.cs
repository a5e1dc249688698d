using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Cloud Hypervisor v53.0's x86_64 ACPI tables, field by field against its sources: vmm/src/acpi.rs
/// (create_acpi_tables, create_dsdt_table, create_facp_table, create_mcfg_table), vmm/src/cpu.rs (create_madt),
/// vmm/src/device_manager.rs (add_acpi_devices, impl Aml for DeviceManager), arch/src/x86_64/layout.rs, and
/// rust-vmm acpi_tables 0.2.1 (src/sdt.rs, src/rsdp.rs, src/lib.rs, src/aml.rs).
/// </summary>
[TestFixture]
public sealed class CloudHypervisorAcpiTests
{
    private static readonly AcpiTables Tables = CloudHypervisorAcpi.Build();

    private static AcpiTable Table(string signature) => Tables.Find(signature).ShouldNotBeNull();

    private static ushort U16(AcpiTable t, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(t.Bytes.AsSpan(offset));
    private static uint U32(AcpiTable t, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(t.Bytes.AsSpan(offset));
    private static ulong U64(AcpiTable t, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(t.Bytes.AsSpan(offset));
    private static string Text(AcpiTable t, int offset, int length) => Encoding.ASCII.GetString(t.Bytes, offset, length);

    [Test]
    public void The_cloud_hypervisor_profile_writes_these_tables_and_points_both_entries_at_the_rsdp()
    {
        var x86 = VmmProfiles.CloudHypervisor.RequireX86();

        x86.Acpi.ShouldNotBeNull().Tables.Select(t => (t.Address, Convert.ToHexString(t.Bytes)))
            .ShouldBe(Tables.Tables.Select(t => (t.Address, Convert.ToHexString(t.Bytes))));
        // arch/src/x86_64/mod.rs configure_system: rsdp_addr (layout.rs RSDP_POINTER) in both the zero page and start_info.
        x86.LinuxRsdpAddress.ShouldBe(0xA_0000UL);
        x86.PvhRsdpAddress.ShouldBe(0xA_0000UL);
        // The MP table stays: configure_system still calls setup_mptable.
        x86.MpTable.ShouldNotBeNull();
        x86.Acpi.Source.ShouldContain("v53.0");
    }

    [Test]
    public void Tables_are_packed_after_the_rsdp_in_create_acpi_tables_order()
    {
        // acpi.rs create_acpi_tables: RSDP at RSDP_POINTER 0xA0000, dsdt_addr = RSDP_POINTER + Rsdp::len() (36).
        Tables.Rsdp.Address.ShouldBe(0xA_0000UL);
        Table("DSDT").Address.ShouldBe(0xA_0024UL);
        // create_acpi_tables_internal: DSDT, FACP, MADT, MCFG, XSDT, each right after the previous one.
        string[] order = ["DSDT", "FACP", "APIC", "MCFG", "XSDT"];
        for (var i = 1; i < order.Length; i++)
            Table(order[i]).Address.ShouldBe(Table(order[i - 1]).Address + (ulong)Table(order[i - 1]).Length, order[i]);
        // Well inside the EBDA range layout.rs reserves (0xA0000, 384 KiB) below SMBIOS_START 0xF0000.
        (Table("XSDT").Address + (ulong)Table("XSDT").Length).ShouldBeLessThan(0xF_0000UL);
    }

    [Test]
    public void Every_table_has_a_valid_checksum_and_cloud_hypervisors_header()
    {
        foreach (var table in Tables.Tables.Where(t => !t.IsRsdp))
        {
            AcpiChecksum.IsValid(table.Bytes).ShouldBeTrue(table.Signature);
            var header = SdtHeader.Parse(table.Bytes);
            // acpi.rs / cpu.rs Sdt::new(.., *b"CLOUDH", .., 1); acpi_tables lib.rs CREATOR_ID "RVAT", CREATOR_REVISION [0, 0, 0, 1].
            header.OemId.ShouldBe("CLOUDH");
            header.OemRevision.ShouldBe(1u);
            header.CreatorId.ShouldBe("RVAT");
            table.Bytes[32..36].ShouldBe(new byte[] { 0, 0, 0, 1 });
            U32(table, 4).ShouldBe((uint)table.Length, table.Signature);
        }
        // The OEM table IDs (space padded) and revisions each Sdt::new call gives.
        SdtHeader.Parse(Table("DSDT").Bytes).ShouldBe(SdtHeader.Parse(Table("DSDT").Bytes) with { OemTableId = "CHDSDT  ", Revision = 6 });
        SdtHeader.Parse(Table("FACP").Bytes).ShouldBe(SdtHeader.Parse(Table("FACP").Bytes) with { OemTableId = "CHFACP  ", Revision = 6 });
        SdtHeader.Parse(Table("APIC").Bytes).ShouldBe(SdtHeader.Parse(Table("APIC").Bytes) with { OemTableId = "CHMADT  ", Revision = 5 });
        SdtHeader.Parse(Table("MCFG").Bytes).ShouldBe(SdtHeader.Parse(Table("MCFG").Bytes) with { OemTableId = "CHMCFG  ", Revision = 1 });
        SdtHeader.Parse(Table("XSDT").Bytes).ShouldBe(SdtHeader.Parse(Table("XSDT").Bytes) with { OemTableId = "CHXSDT  ", Revision = 1 });
    }

    [Test]
    public void Rsdp_is_revision_2_with_cloudh_pointing_at_the_xsdt()
    {
        var rsdp = Tables.Rsdp;

        // acpi_tables rsdp.rs Rsdp::new: "RSD PTR ", checksum of bytes 0-19, OEM ID, revision 2, no RSDT, length 36, XSDT.
        rsdp.Length.ShouldBe(36);
        Text(rsdp, 0, 8).ShouldBe("RSD PTR ");
        AcpiChecksum.IsValid(rsdp.Bytes.AsSpan(0, 20)).ShouldBeTrue();
        Text(rsdp, 9, 6).ShouldBe("CLOUDH");
        rsdp.Bytes[15].ShouldBe((byte)2);
        U32(rsdp, 16).ShouldBe(0u);
        U32(rsdp, 20).ShouldBe(36u);
        U64(rsdp, 24).ShouldBe(Table("XSDT").Address);
        AcpiChecksum.IsValid(rsdp.Bytes).ShouldBeTrue();
    }

    [Test]
    public void Xsdt_lists_facp_madt_mcfg()
    {
        var xsdt = Table("XSDT");

        // create_acpi_tables_internal: xsdt_table_pointers = [facp, madt, mcfg] with no NUMA, TPM or IOMMU.
        xsdt.Length.ShouldBe(36 + 3 * 8);
        U64(xsdt, 36).ShouldBe(Table("FACP").Address);
        U64(xsdt, 44).ShouldBe(Table("APIC").Address);
        U64(xsdt, 52).ShouldBe(Table("MCFG").Address);
    }

    [Test]
    public void Fadt_is_hardware_reduced_with_the_shutdown_port_the_pm_timer_and_cloudhyp()
    {
        var fadt = Table("FACP");

        fadt.Length.ShouldBe(276); // "Revision 6 of the ACPI FADT table is 276 bytes long"
        // add_acpi_devices: GenericAddress::io_port_address::<u8>(0x600) = I/O space, 8 bits, offset 0, byte access.
        byte[] shutdownGas = [1, 8, 0, 1, 0x00, 0x06, 0, 0, 0, 0, 0, 0];
        fadt.Bytes[116..128].ShouldBe(shutdownGas); // RESET_REG
        fadt.Bytes[128].ShouldBe((byte)1);          // RESET_VALUE
        fadt.Bytes[244..256].ShouldBe(shutdownGas); // SLEEP_CONTROL_REG
        fadt.Bytes[256..268].ShouldBe(shutdownGas); // SLEEP_STATUS_REG
        // io_port_address::<u32>(0x608): 32 bits, dword access, at X_PM_TMR_BLK (208).
        fadt.Bytes[208..220].ShouldBe(new byte[] { 1, 32, 0, 3, 0x08, 0x06, 0, 0, 0, 0, 0, 0 });
        // fadt_flags = (1 << 20) | (1 << 10) | (1 << 8): HW_REDUCED_ACPI, RESET_REG_SUP, TMR_VAL_EXT.
        U32(fadt, 112).ShouldBe(0x0010_0500u);
        fadt.Bytes[131].ShouldBe((byte)3);                // FADT minor version
        U64(fadt, 140).ShouldBe(Table("DSDT").Address);   // X_DSDT (FACP_DSDT_OFFSET)
        Text(fadt, 268, 8).ShouldBe("CLOUDHYP");          // Hypervisor Vendor Identity
        // Nothing else: no 32-bit DSDT, no IAPC_BOOT_ARCH, no PM1a blocks (legacy_acpi_pm1a needs nested Hyper-V).
        var rest = fadt.Bytes.ToArray();
        foreach (var (offset, length) in new[] { (0, 36), (112, 4), (116, 13), (131, 1), (140, 8), (208, 12), (244, 24), (268, 8) })
            rest.AsSpan(offset, length).Clear();
        rest.ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Madt_lists_an_x2apic_then_the_io_apic_and_the_irq4_override()
    {
        var madt = Table("APIC");

        // cpu.rs create_madt: Sdt::new(b"APIC", 44, 5, ..); APIC_START at 36; flags (40) never written.
        madt.Length.ShouldBe(44 + 16 + 12 + 10);
        U32(madt, 36).ShouldBe(0xFEE0_0000u);
        U32(madt, 40).ShouldBe(0u);
        // LocalX2Apic { type ACPI_X2APIC_PROCESSOR 9, length 16, reserved, apic_id 0, flags ENABLE (bit 0) | ONLINE_CAPABLE (bit 1), processor_id 0 }.
        madt.Bytes[44..60].ShouldBe(new byte[] { 9, 16, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 });
        // Ioapic { ACPI_APIC_IO 1, 12, id 0, reserved, IOAPIC_START 0xFEC00000, gsi_base 0 }.
        madt.Bytes[60..72].ShouldBe(new byte[] { 1, 12, 0, 0, 0x00, 0x00, 0xC0, 0xFE, 0, 0, 0, 0 });
        // InterruptSourceOverride { ACPI_APIC_XRUPT_OVERRIDE 2, 10, bus 0, source 4, gsi 4, flags 0 }.
        madt.Bytes[72..82].ShouldBe(new byte[] { 2, 10, 0, 4, 4, 0, 0, 0, 0, 0 });
        U16(madt, 80).ShouldBe((ushort)0);
    }

    [Test]
    public void Mcfg_has_one_range_at_pci_mmconfig_start_for_bus_0()
    {
        var mcfg = Table("MCFG");

        // create_mcfg_table: 8 reserved bytes, one PciRangeEntry for segment 0.
        mcfg.Length.ShouldBe(60);
        U64(mcfg, 36).ShouldBe(0UL);
        U64(mcfg, 44).ShouldBe(0xE800_0000UL); // layout.rs PCI_MMCONFIG_START = 0xC0000000 + 640 MiB
        mcfg.Bytes[52..60].ShouldBe(new byte[8]); // segment 0, buses 0-0, reserved
    }

    [Test]
    public void Dsdt_holds_mbrd_com1_s5_and_pwrb_in_the_device_managers_order_as_acpi_tables_encodes_them()
    {
        var aml = Table("DSDT").Bytes.AsSpan(36).ToArray();

        aml.ShouldBe(CloudHypervisorAcpi.DefinitionBlock());
        // MBRD: Device(_SB_.MBRD) { _HID EISAID PNP0C02 (0x020CD041 stored big-endian), _UID ZeroOp, _CRS Memory32Fixed(RW, 0xE8000000, 1 MiB) }.
        byte[] mbrd =
        [
            0x5B, 0x82, 0x31, 0x2E, .. "_SB_MBRD"u8.ToArray(),
            0x08, .. "_HID"u8.ToArray(), 0x0C, 0x41, 0xD0, 0x0C, 0x02,
            0x08, .. "_UID"u8.ToArray(), 0x00,
            0x08, .. "_CRS"u8.ToArray(), 0x11, 0x11, 0x0A, 0x0E,
            0x86, 9, 0, 1, 0x00, 0x00, 0x00, 0xE8, 0x00, 0x00, 0x10, 0x00, 0x79, 0,
        ];
        // MBRD follows the PCI hotplug controller and the PCI segment (impl Aml for DeviceManager).
        var mbrdAt = IndexOf(aml, mbrd);
        mbrdAt.ShouldBeGreaterThan(0);
        aml[mbrdAt..(mbrdAt + mbrd.Length)].ShouldBe(mbrd);
        // COM1's _CRS: Interrupt(consumer, edge, 4), then IO(0x3F8, 0x3F8, alignment 0, 8) (x86_64 branch).
        IndexOf(aml, [0x89, 6, 0, 3, 1, 4, 0, 0, 0, 0x47, 1, 0xF8, 3, 0xF8, 3, 0, 8, 0x79, 0]).ShouldBeGreaterThan(0);
        // create_s5_sleep_state: Name(_S5_, Package(4) { 5, 5, 0, 0 }), 0 as ZeroOp (aml.rs impl Aml for Byte).
        IndexOf(aml, [0x08, .. "_S5_"u8.ToArray(), 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00]).ShouldBeGreaterThan(0);
        string[] names = ["MBRD", "COM1", "PWRB"];
        var positions = names.Select(n => IndexOf(aml, [0x2E, .. "_SB_"u8.ToArray(), .. Encoding.ASCII.GetBytes(n)])).ToArray();
        positions.ShouldAllBe(p => p >= 0);
        positions.ShouldBeInOrder();
    }

    [Test]
    public void Compact_integers_use_zero_and_one_ops_like_acpi_tables()
    {
        // acpi_tables aml.rs impl Aml for Byte: 0 => ZERO (0x00), 1 => ONE (0x01), else BYTEPREFIX; wider types narrow first.
        Aml.CompactInteger(0).ShouldBe(new byte[] { 0x00 });
        Aml.CompactInteger(1).ShouldBe(new byte[] { 0x01 });
        Aml.CompactInteger(5).ShouldBe(new byte[] { 0x0A, 5 });
        Aml.CompactInteger(0x1234).ShouldBe(new byte[] { 0x0B, 0x34, 0x12 });
        Aml.CompactInteger(0xE800_0000).ShouldBe(new byte[] { 0x0C, 0, 0, 0, 0xE8 });
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
