using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Firecracker v1.16.1's ACPI tables, field by field against its sources: src/vmm/src/acpi/mod.rs (which tables,
/// their OEM table IDs, order and placement), src/vmm/src/acpi/x86_64.rs (MADT entries, IAPC flags) and
/// src/acpi-tables/src/{rsdp,xsdt,fadt,madt,mcfg,dsdt,lib}.rs (layouts, revisions, creator).
/// </summary>
[TestFixture]
public sealed class FirecrackerAcpiTests
{
    private static readonly AcpiTables Tables = FirecrackerAcpi.Build();

    private static AcpiTable Table(string signature) => Tables.Find(signature).ShouldNotBeNull();

    private static uint U32(AcpiTable t, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(t.Bytes.AsSpan(offset));
    private static ulong U64(AcpiTable t, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(t.Bytes.AsSpan(offset));
    private static string Text(AcpiTable t, int offset, int length) => Encoding.ASCII.GetString(t.Bytes, offset, length);

    [Test]
    public void The_firecracker_profile_writes_these_tables_and_points_boot_params_at_the_rsdp()
    {
        var x86 = VmmProfiles.Firecracker.RequireX86();

        x86.Acpi.ShouldNotBeNull().Tables.Select(t => (t.Address, Convert.ToHexString(t.Bytes)))
            .ShouldBe(Tables.Tables.Select(t => (t.Address, Convert.ToHexString(t.Bytes))));
        // arch/x86_64/mod.rs configure_64bit_boot: acpi_rsdp_addr = layout::RSDP_ADDR; configure_pvh leaves rsdp_paddr 0.
        x86.LinuxRsdpAddress.ShouldBe(0xE_0000UL);
        x86.PvhRsdpAddress.ShouldBe(0UL);
        // The VMMs without tables stay without: they opt in through their profile.
        VmmProfiles.Spec.RequireX86().Acpi.ShouldBeNull();
        VmmProfiles.Qemu.RequireX86().Acpi.ShouldBeNull();
    }

    [Test]
    public void The_vcpu_setup_writes_the_tables_only_for_a_cpu_with_the_local_apic_they_list()
    {
        var profile = VmmProfiles.Firecracker;
        foreach (var withApic in new[] { false, true })
        {
            using var memory = profile.CreateMemory(1UL << 30);
            var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
            {
                Kernel = KernelImage.Parse(ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0000 })),
                Protocol = BootProtocol.Pvh,
                CommandLine = "console=ttyS0",
            }));
            var cpu = new X86Cpu(memory);
            // CPUID.01H:EDX bit 9 (APIC), set or cleared whatever the default table says.
            var leaf1 = cpu.CpuId.Query(1, 0);
            cpu.CpuId.Set(1, leaf1 with { Edx = withApic ? leaf1.Edx | (1u << 9) : leaf1.Edx & ~(1u << 9) });

            VcpuSetup.Apply(cpu, guest, profile);

            X86VcpuSetup.HasApic(cpu).ShouldBe(withApic);
            Tables.IsWrittenIn(memory).ShouldBe(withApic);
            foreach (var table in Tables.Tables)
                memory.ReadBytes(table.Address, table.Length).All(b => b == 0).ShouldBe(!withApic, table.Signature);
        }
    }

    [Test]
    public void Tables_follow_the_mp_table_in_system_memory_in_create_acpi_tables_order()
    {
        // mptable.rs compute_mp_size(1) = 16 + 44 + 20 + 8 + 8 + 8 * 24 + 8 * 2 = 0x130, first in system memory at 0x9FC00.
        FirecrackerAcpi.MpTableSize(1).ShouldBe(0x130UL);
        var dsdt = Table("DSDT");
        dsdt.Address.ShouldBe(0x9_FD30UL);
        // acpi/mod.rs create_acpi_tables: DSDT, FADT, MADT, MCFG, XSDT, each first-fit right after the previous one.
        string[] order = ["DSDT", "FACP", "APIC", "MCFG", "XSDT"];
        for (var i = 1; i < order.Length; i++)
            Table(order[i]).Address.ShouldBe(Table(order[i - 1]).Address + (ulong)Table(order[i - 1]).Length, order[i]);
        // All inside [SYSTEM_MEM_START, the VMClock page), which the e820 reserves up to RSDP_ADDR.
        (Table("XSDT").Address + (ulong)Table("XSDT").Length).ShouldBeLessThanOrEqualTo(FirecrackerAcpi.VmClockAddress);
        FirecrackerAcpi.VmGenIdAddress.ShouldBe(0xD_FFF0UL);
        FirecrackerAcpi.VmClockAddress.ShouldBe(0xD_E000UL);
    }

    [Test]
    public void Every_table_has_a_valid_checksum_and_firecrackers_header()
    {
        foreach (var table in Tables.Tables.Where(t => !t.IsRsdp))
        {
            AcpiChecksum.IsValid(table.Bytes).ShouldBeTrue(table.Signature);
            var header = SdtHeader.Parse(table.Bytes);
            // acpi-tables lib.rs SdtHeader::new: creator "FCAT" 0x20240119; acpi/mod.rs: OEM_ID "FIRECK", OEM_REVISION 0.
            header.OemId.ShouldBe("FIRECK");
            header.OemRevision.ShouldBe(0u);
            header.CreatorId.ShouldBe("FCAT");
            header.CreatorRevision.ShouldBe(0x2024_0119u);
            U32(table, 4).ShouldBe((uint)table.Length, table.Signature);
        }
        // acpi/mod.rs build_*: the OEM table IDs, "FCMV" for XSDT and MCFG as the source spells them; the revisions are each file's.
        SdtHeader.Parse(Table("DSDT").Bytes).ShouldBe(SdtHeader.Parse(Table("DSDT").Bytes) with { OemTableId = "FCVMDSDT", Revision = 2 });
        SdtHeader.Parse(Table("FACP").Bytes).ShouldBe(SdtHeader.Parse(Table("FACP").Bytes) with { OemTableId = "FCVMFADT", Revision = 6 });
        SdtHeader.Parse(Table("APIC").Bytes).ShouldBe(SdtHeader.Parse(Table("APIC").Bytes) with { OemTableId = "FCVMMADT", Revision = 6 });
        SdtHeader.Parse(Table("MCFG").Bytes).ShouldBe(SdtHeader.Parse(Table("MCFG").Bytes) with { OemTableId = "FCMVMCFG", Revision = 1 });
        SdtHeader.Parse(Table("XSDT").Bytes).ShouldBe(SdtHeader.Parse(Table("XSDT").Bytes) with { OemTableId = "FCMVXSDT", Revision = 1 });
    }

    [Test]
    public void Rsdp_is_revision_2_at_0xe0000_pointing_at_the_xsdt()
    {
        var rsdp = Tables.Rsdp;

        rsdp.Address.ShouldBe(0xE_0000UL);
        // rsdp.rs Rsdp::new: "RSD PTR ", checksum over bytes 0-19, OEM ID, revision 2, no RSDT, length 36, XSDT, extended checksum.
        rsdp.Length.ShouldBe(36);
        Text(rsdp, 0, 8).ShouldBe("RSD PTR ");
        AcpiChecksum.IsValid(rsdp.Bytes.AsSpan(0, 20)).ShouldBeTrue();
        Text(rsdp, 9, 6).ShouldBe("FIRECK");
        rsdp.Bytes[15].ShouldBe((byte)2);
        U32(rsdp, 16).ShouldBe(0u);
        U32(rsdp, 20).ShouldBe(36u);
        U64(rsdp, 24).ShouldBe(Table("XSDT").Address);
        AcpiChecksum.IsValid(rsdp.Bytes).ShouldBeTrue();
        rsdp.Bytes[33..].ShouldBe(new byte[3]);
    }

    [Test]
    public void Xsdt_lists_fadt_madt_mcfg()
    {
        var xsdt = Table("XSDT");

        // acpi/mod.rs build_xsdt: vec![fadt_addr, madt_addr, mcfg_addr].
        xsdt.Length.ShouldBe(36 + 3 * 8);
        U64(xsdt, 36).ShouldBe(Table("FACP").Address);
        U64(xsdt, 44).ShouldBe(Table("APIC").Address);
        U64(xsdt, 52).ShouldBe(Table("MCFG").Address);
    }

    [Test]
    public void Fadt_is_hardware_reduced_with_only_x_dsdt_and_the_hypervisor_id()
    {
        var fadt = Table("FACP");

        // fadt.rs struct Fadt: 276 bytes; Fadt::new sets only fadt_minor_version 5.
        fadt.Length.ShouldBe(276);
        U32(fadt, 36).ShouldBe(0u); // FIRMWARE_CTRL
        U32(fadt, 40).ShouldBe(0u); // DSDT (32-bit): only X_DSDT is set
        // acpi/mod.rs build_fadt: (1 << FADT_F_HW_REDUCED_ACPI 20) | (1 << FADT_F_PWR_BUTTON 4) | (1 << FADT_F_SLP_BUTTON 5).
        U32(fadt, 112).ShouldBe(0x0010_0030u);
        // acpi/x86_64.rs setup_arch_fadt: 1 << IAPC_BOOT_ARG_FLAGS_VGA_NOT_PRESENT (2), nothing else since bd04ea50.
        BinaryPrimitives.ReadUInt16LittleEndian(fadt.Bytes.AsSpan(109)).ShouldBe((ushort)4);
        fadt.Bytes[131].ShouldBe((byte)5); // FADT Minor Version
        U64(fadt, 132).ShouldBe(0UL); // X_FIRMWARE_CTRL
        U64(fadt, 140).ShouldBe(Table("DSDT").Address); // X_DSDT
        Text(fadt, 268, 8).ShouldBe("FIRECKVM"); // Hypervisor Vendor Identity
        // Everything else is zero: no PM blocks, no reset register, no sleep registers, no SCI.
        var rest = fadt.Bytes.ToArray();
        foreach (var (offset, length) in new[] { (0, 36), (109, 2), (112, 4), (131, 1), (140, 8), (268, 8) })
            rest.AsSpan(offset, length).Clear();
        rest.ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Madt_lists_the_io_apic_then_one_local_apic_without_overrides()
    {
        var madt = Table("APIC");

        // madt.rs: header 44 bytes (local APIC address, flags 0) + IoAPIC (12) + one LocalAPIC (8).
        madt.Length.ShouldBe(64);
        U32(madt, 36).ShouldBe(0xFEE0_0000u); // layout.rs APIC_ADDR
        U32(madt, 40).ShouldBe(0u);           // flags: no PCAT_COMPAT
        // madt.rs IoAPIC::new(0, IOAPIC_ADDR): type 1, length 12, ID 0, reserved, 0xFEC00000, GSI base 0.
        madt.Bytes[44..56].ShouldBe(new byte[] { 1, 12, 0, 0, 0x00, 0x00, 0xC0, 0xFE, 0, 0, 0, 0 });
        // madt.rs LocalAPIC::new(0): type 0, length 8, UID 0, APIC ID 0, flags 1 << MADT_CPU_ENABLE_FLAG.
        madt.Bytes[56..64].ShouldBe(new byte[] { 0, 8, 0, 0, 1, 0, 0, 0 });
    }

    [Test]
    public void Mcfg_has_one_range_at_pci_mmconfig_start_for_bus_0()
    {
        var mcfg = Table("MCFG");

        // mcfg.rs struct Mcfg: header, 8 reserved, PciRangeEntry { base, segment 0, start 0, end 0, reserved }.
        mcfg.Length.ShouldBe(60);
        U64(mcfg, 36).ShouldBe(0UL);
        U64(mcfg, 44).ShouldBe(0xEEC0_0000UL); // layout.rs PCI_MMCONFIG_START = IOAPIC_ADDR - 256 MiB
        mcfg.Bytes[52..60].ShouldBe(new byte[8]);
    }

    [Test]
    public void Dsdt_holds_the_acpi_devices_then_com1_and_the_i8042()
    {
        var dsdt = Table("DSDT");
        var aml = dsdt.Bytes.AsSpan(36).ToArray();

        aml.ShouldBe(FirecrackerAcpi.DefinitionBlock());
        // The devices in acpi/mod.rs build_dsdt's order: ACPI devices (VGEN, VCLK, GED_), then legacy (COM1, PS2_).
        string[] names = ["VGEN", "VCLK", "GED_", "COM1", "PS2_"];
        var positions = names.Select(n => IndexOf(aml, [0x2E, .. "_SB_"u8.ToArray(), .. Encoding.ASCII.GetBytes(n)])).ToArray();
        positions.ShouldAllBe(p => p >= 0);
        positions.ShouldBeInOrder();
        // VMGenID's ADDR package: Package(2) { DWord 0xDFFF0, DWord 0 } (vmgenid.rs impl Aml).
        IndexOf(aml, [0x08, .. "ADDR"u8.ToArray(), 0x12, 0x0C, 0x02, 0x0C, 0xF0, 0xFF, 0x0D, 0x00, 0x0C, 0, 0, 0, 0]).ShouldBeGreaterThan(0);
        // The GED's _CRS: two extended interrupts, GSIs 5 and 6, consumer | edge (device_manager/acpi.rs).
        IndexOf(aml, [0x89, 6, 0, 3, 1, 5, 0, 0, 0, 0x89, 6, 0, 3, 1, 6, 0, 0, 0, 0x79, 0]).ShouldBeGreaterThan(0);
        // COM1's _CRS: IRQ 4 then IO 0x3F8, alignment 1, 8 ports (legacy.rs).
        IndexOf(aml, [0x89, 6, 0, 3, 1, 4, 0, 0, 0, 0x47, 1, 0xF8, 3, 0xF8, 3, 1, 8, 0x79, 0]).ShouldBeGreaterThan(0);
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
