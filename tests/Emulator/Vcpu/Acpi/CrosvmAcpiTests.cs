using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// The crosvm profile's ACPI tables against crosvm's source at commit f1e797a6: x86_64/src/acpi.rs create_acpi_tables
/// (placement, FADT, MADT, MCFG, XSDT, RSDP), x86_64/src/lib.rs setup_acpi_devices (the DSDT) and build_vm (SCI IRQ, reset
/// register), devices/src/acpi.rs (the PM block's lengths and sleep packages), acpi_tables src/sdt.rs, rsdp.rs, facs.rs.
/// </summary>
[TestFixture]
public sealed class CrosvmAcpiTests
{
    private static readonly AcpiTables Tables = CrosvmAcpi.Build();

    private static AcpiTable Table(string signature) => Tables.Find(signature).ShouldNotBeNull();

    [Test]
    public void The_profile_writes_crosvms_tables()
    {
        VmmProfiles.Crosvm.X86.ShouldNotBeNull().Acpi.ShouldNotBeNull().RsdpAddress.ShouldBe(0xE_0000UL);
        // crosvm passes no RSDP address to the kernel (lib.rs sets no acpi_rsdp_addr): the kernel scans the BIOS area.
        VmmProfiles.Crosvm.X86!.LinuxRsdpAddress.ShouldBe(0UL);
    }

    [Test]
    public void Each_structure_follows_the_one_before_at_the_next_64_byte_boundary()
    {
        // acpi.rs: RSDP at ACPI_HI_RSDP_WINDOW_BASE 0xE0000 (36 bytes), FACS at next_offset (0xE0040, 64 bytes), DSDT at 0xE0080.
        Tables.Tables.Select(t => t.Signature).ShouldBe(["RSD PTR ", "FACS", "DSDT", "FACP", "APIC", "MCFG", "XSDT"]);
        Tables.RsdpAddress.ShouldBe(0xE_0000UL);
        Table("FACS").Address.ShouldBe(0xE_0040UL);
        Table("DSDT").Address.ShouldBe(0xE_0080UL);
        foreach (var (before, after) in new[] { ("DSDT", "FACP"), ("FACP", "APIC"), ("APIC", "MCFG") })
            Table(after).Address.ShouldBe(Table(before).Address + (((ulong)Table(before).Length + 63) & ~63UL), after);
        // The FADT is FADT_LEN 276 bytes: the MADT 320 bytes after it.
        (Table("APIC").Address - Table("FACP").Address).ShouldBe(320UL);
    }

    [Test]
    public void The_xsdt_follows_the_mcfg_by_the_madts_rounded_length_as_crosvm_advances_it()
    {
        // acpi.rs writes the MCFG, then "offset = next_offset(offset, madt.len())": with two vCPUs the MADT is
        // 44 + 2 × 8 + 12 = 72 bytes, so the XSDT lands 128 bytes after the 60-byte MCFG, not 64.
        var two = CrosvmAcpi.Build(vcpus: 2);
        two.Find("APIC")!.Length.ShouldBe(72);
        (two.Find("XSDT")!.Address - two.Find("MCFG")!.Address).ShouldBe(128UL);
        // With one vCPU the MADT is 64 bytes and the slip does not show.
        Table("APIC").Length.ShouldBe(64);
        (Table("XSDT").Address - Table("MCFG").Address).ShouldBe(64UL);
    }

    [Test]
    public void Every_table_has_crosvms_header_and_a_valid_checksum()
    {
        foreach (var t in Tables.Tables.Where(t => !t.IsRsdp && t.Signature != "FACS"))
        {
            // acpi_tables sdt.rs SDT::new: OEM ID and table ID from acpi.rs, OEM_REVISION 1, creator "CROS", revision 0.
            SdtHeader.Parse(t.Bytes).ShouldBe(new SdtHeader(t.Signature, t.Revision, "CROSVM", "CROSVMDT", 1, "CROS", 0), t.Signature);
            BinaryPrimitives.ReadUInt32LittleEndian(t.Bytes.AsSpan(4)).ShouldBe((uint)t.Length);
            AcpiChecksum.Of(t.Bytes).ShouldBe((byte)0, t.Signature);
        }
        // acpi.rs: DSDT_REVISION 6, FADT_REVISION 6, MADT_REVISION 5, MCFG_REVISION 1, XSDT_REVISION 1.
        Table("DSDT").Revision.ShouldBe((byte)6);
        Table("FACP").Revision.ShouldBe((byte)6);
        Table("APIC").Revision.ShouldBe((byte)5);
        Table("MCFG").Revision.ShouldBe((byte)1);
        Table("XSDT").Revision.ShouldBe((byte)1);
    }

    [Test]
    public void The_rsdp_is_revision_2_and_points_at_the_xsdt()
    {
        // acpi_tables rsdp.rs RSDP::new(b"CROSVM", xsdt): revision 2, RSDT 0, length 36, both checksums.
        var r = Tables.Rsdp.Bytes;
        r.Length.ShouldBe(36);
        Encoding.ASCII.GetString(r, 0, 8).ShouldBe("RSD PTR ");
        Encoding.ASCII.GetString(r, 9, 6).ShouldBe("CROSVM");
        r[15].ShouldBe((byte)2);
        BinaryPrimitives.ReadUInt32LittleEndian(r.AsSpan(16)).ShouldBe(0u);
        BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(24)).ShouldBe(Table("XSDT").Address);
        AcpiChecksum.Of(r.AsSpan(0, 20).ToArray()).ShouldBe((byte)0);
        AcpiChecksum.Of(r).ShouldBe((byte)0);
    }

    [Test]
    public void The_facs_is_acpi_tables_facs_new()
    {
        // facs.rs FACS::new: signature, length 64, version 1 at 32, the rest zero.
        var f = Table("FACS").Bytes;
        f.Length.ShouldBe(64);
        Encoding.ASCII.GetString(f, 0, 4).ShouldBe("FACS");
        BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(4)).ShouldBe(64u);
        f[32].ShouldBe((byte)1);
        f.Where((b, i) => i is >= 8 and not 32).ShouldAllBe(b => b == 0);
    }

    [Test]
    public void The_fadt_has_the_pm_block_sci_rtc_and_reset_register_crosvm_writes()
    {
        var f = Table("FACP").Bytes;
        f.Length.ShouldBe(276); // acpi.rs FADT_LEN
        uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o));
        ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(o));
        // write_facp_overrides: FACS and DSDT only through the 64-bit fields; SMI_CMD 0.
        U32(36).ShouldBe(0u);
        U32(40).ShouldBe(0u);
        U64(132).ShouldBe(Table("FACS").Address);
        U64(140).ShouldBe(Table("DSDT").Address);
        U32(48).ShouldBe(0u);
        // create_facp_table: SCI_INT = X86_64_SCI_IRQ 5 (lib.rs).
        BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(46)).ShouldBe((ushort)5);
        // PM1a_EVT_BLK = pm_iobase 0xC000, PM1a_CNT_BLK = + ACPIPM_RESOURCE_EVENTBLK_LEN 4, GPE0_BLK = + 4 + 4; PM1b,
        // PM2, PM_TMR and GPE1 zero.
        U32(56).ShouldBe(0xC000u);
        U32(60).ShouldBe(0u);
        U32(64).ShouldBe(0xC004u);
        U32(68).ShouldBe(0u);
        U32(72).ShouldBe(0u);
        U32(76).ShouldBe(0u);
        U32(80).ShouldBe(0xC008u);
        U32(84).ShouldBe(0u);
        // PM1_EVT_LEN 4, PM1_CNT_LEN 2, PM2_CNT_LEN 0, PM_TMR_LEN 0, GPE0_BLK_LEN 64, GPE1_BLK_LEN 0, GPE1_BASE 0.
        f[88..95].ShouldBe(new byte[] { 4, 2, 0, 0, 64, 0, 0 });
        // devices/src/cmos.rs RTC_REG_ALARM_DAY 0x33, RTC_REG_ALARM_MONTH 0x34, RTC_REG_CENTURY 0x32; IAPC_BOOT_ARCH 0.
        f[106..111].ShouldBe(new byte[] { 0x33, 0x34, 0x32, 0, 0 });
        // Flags: FADT_RESET_REGISTER (bit 10) only; not hardware-reduced, no s2idle.
        U32(112).ShouldBe(1u << 10);
        // RESET_REG: ADR_SPACE_SYSTEM_IO, 8 bits, offset 0, access size 1, port 0xCF9; RESET_VALUE 6 (lib.rs build_vm).
        f[116..128].ShouldBe(new byte[] { 1, 8, 0, 1, 0xF9, 0x0C, 0, 0, 0, 0, 0, 0 });
        f[128].ShouldBe((byte)6);
        f[131].ShouldBe((byte)3); // FADT_MINOR_REVISION
        // Every X_ block GAS (148 to 244) is zero; sleep registers (244, 256) are never written.
        f[148..268].ShouldAllBe(b => b == 0);
        // FADT_FIELD_HYPERVISOR_ID: "CROSVM", then two zero bytes.
        f[268..276].ShouldBe("CROSVM\0\0"u8.ToArray());
    }

    [Test]
    public void The_madt_has_one_local_apic_per_vcpu_and_the_io_apic()
    {
        var m = Table("APIC").Bytes;
        // MADT_FIELD_LAPIC_ADDR = APIC_DEFAULT_PHYS_BASE, MADT_FIELD_FLAGS = MADT_FLAG_PCAT_COMPAT.
        BinaryPrimitives.ReadUInt32LittleEndian(m.AsSpan(36)).ShouldBe(0xFEE0_0000u);
        BinaryPrimitives.ReadUInt32LittleEndian(m.AsSpan(40)).ShouldBe(1u);
        // LocalApic { type 0, length 8, processor_id 0, apic_id 0, flags MADT_ENABLED }; Ioapic { type 1, length 12,
        // id 0, reserved, IO_APIC_DEFAULT_PHYS_BASE, gsi_base 0 }; no overrides (no PCI IRQs).
        m[44..].ShouldBe(new byte[] { 0, 8, 0, 0, 1, 0, 0, 0, 1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0 });
    }

    [Test]
    public void The_mcfg_covers_the_default_ecam_buses_0_to_63()
    {
        var m = Table("MCFG").Bytes;
        m.Length.ShouldBe(60); // acpi.rs MCFG_LEN
        // MCFG_FIELD_BASE_ADDRESS 44 = pcie_cfg_mmio 0xF4000000, START_BUS 54 = 0, END_BUS 55 = max_bus 63.
        BinaryPrimitives.ReadUInt64LittleEndian(m.AsSpan(44)).ShouldBe(0xF400_0000UL);
        m[54].ShouldBe((byte)0);
        m[55].ShouldBe((byte)63);
    }

    [Test]
    public void The_xsdt_lists_the_fadt_madt_and_mcfg_in_crosvms_order()
    {
        var x = Table("XSDT").Bytes;
        x.Length.ShouldBe(36 + 3 * 8);
        Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(x.AsSpan(36 + 8 * i)))
            .ShouldBe([Table("FACP").Address, Table("APIC").Address, Table("MCFG").Address]);
    }

    [Test]
    public void The_dsdt_starts_with_vcfg_and_the_pm_blocks_sleep_packages()
    {
        var aml = Table("DSDT").Bytes[36..];
        // Name(VCFG, 0x100000000): a QWordConst (aml.rs QWord above u32::MAX).
        aml[..14].ShouldBe(new byte[] { 0x08, (byte)'V', (byte)'C', (byte)'F', (byte)'G', 0x0E, 0, 0, 0, 0, 1, 0, 0, 0 });
        // Name(_S1_, Package { One, One, Zero, Zero }), Name(_S5_, Package { Zero, Zero, Zero, Zero }).
        aml[14..38].ShouldBe(new byte[]
        {
            0x08, (byte)'_', (byte)'S', (byte)'1', (byte)'_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
            0x08, (byte)'_', (byte)'S', (byte)'5', (byte)'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
        });
        // Then Device(\_SB.PC00) and Device(\_SB.MB00), nothing else.
        aml[38..44].ShouldBe(new byte[] { 0x5B, 0x82, aml[40], aml[41], 0x2E, (byte)'_' });
        aml.AsSpan().EndsWith(CrosvmDsdtTests.Mb00).ShouldBeTrue();
    }
}
