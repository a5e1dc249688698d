using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu.Acpi;
using Shouldly;
using static LoaderHarness.Emulator.Vcpu.Acpi.CloudHypervisorPlatformDevices;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Cloud Hypervisor v53.0's DSDT, object by object against its sources: vmm/src/acpi.rs create_dsdt_table,
/// device_manager.rs (DeviceManager::new, add_acpi_devices, impl Aml for DeviceManager), pci_segment.rs, cpu.rs,
/// memory_manager.rs, devices/src/acpi.rs, vm-allocator src/address.rs and src/gsi.rs, arch/src/x86_64/layout.rs,
/// encoded as acpi_tables 0.2.1 src/aml.rs does.
/// </summary>
[TestFixture]
public sealed class CloudHypervisorDsdtTests
{
    private static readonly byte[] Aml = CloudHypervisorDsdt.DefinitionBlock();

    private static int IndexOf(byte[] needle) => Find(Aml, needle);

    private static int Find(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    private static byte[] RootDevice(string name) => [0x2E, .. "_SB_"u8.ToArray(), .. Encoding.ASCII.GetBytes(name)];

    [Test]
    public void Objects_follow_create_dsdt_tables_order()
    {
        // impl Aml for DeviceManager: PHPR, the segment, MBRD, COM1, _S5_, PWRB, (no TPM) the GED's GEC_ and GED_;
        // then impl Aml for CpuManager: PRES, CPUS; then impl Aml for MemoryManager: MHPC.
        string[] devices = ["PHPR", "PC00", "MBRD", "COM1", "PWRB", "GEC_", "GED_", "PRES", "CPUS", "MHPC"];
        var positions = devices.Select(d => IndexOf(RootDevice(d))).ToArray();

        positions.ShouldAllBe(p => p >= 0);
        positions.ShouldBeInOrder();
        positions[0].ShouldBe(4); // DeviceOp (2 bytes), a two-byte PkgLength, then PHPR's name: PHPR comes first
        var s5 = IndexOf([0x08, .. "_S5_"u8.ToArray()]);
        s5.ShouldBeGreaterThan(positions[3]);
        s5.ShouldBeLessThan(positions[4]);
        CloudHypervisorAcpi.DefinitionBlock().ShouldBe(Aml);
    }

    [Test]
    public void The_allocators_place_the_hotplug_windows_and_the_ged_one_page_apart_below_the_top()
    {
        // (1 << 40) - (1 << 16) = 0xFF_FFFF_0000; the area is the 1 MiB below it; first_available_range hands out
        // the highest page-aligned range: the device manager's, then the CPU manager's, then the GED's.
        MmioAddressSpaceSize.ShouldBe(0xFF_FFFF_0000UL);
        PlatformDeviceAreaStart.ShouldBe(0xFF_FFEF_0000UL);
        DeviceManagerAcpiAddress.ShouldBe(0xFF_FFFE_F000UL);
        CpuManagerAcpiAddress.ShouldBe(0xFF_FFFE_E000UL);
        GedAddress.ShouldBe(0xFF_FFFE_D000UL);
        // IRQs 5-12 go to the PCI slots, so the GED gets 13.
        GedIrq.ShouldBe(13u);
        PciSlotIrq(0).ShouldBe(5u);
        PciSlotIrq(7).ShouldBe(12u);
        PciSlotIrq(8).ShouldBe(5u);
        PciSlotIrq(31).ShouldBe(12u);
        // The 64-bit PCI window: RAM_64BIT_START to just below the platform device area.
        PciMmio64Start.ShouldBe(0x1_0000_0000UL);
        PciMmio64End.ShouldBe(0xFF_FFEE_FFFFUL);
        PciMmio32End.ShouldBe(0xE7FF_FFFFUL);
    }

    [Test]
    public void The_modelled_hosts_physical_address_bits_are_the_harness_cpus()
    {
        // arch/src/x86_64/mod.rs get_host_cpu_phys_bits reads CPUID 0x80000008 EAX[7:0]; vm.rs physical_bits caps it
        // at max_phys_bits (vm_config.rs DEFAULT_MAX_PHYS_BITS 46). The harness CPU reports 40.
        var eax = LoaderHarness.Emulator.X86.CpuIdTable.Default().Query(0x8000_0008, 0).Eax;

        PhysicalAddressBits.ShouldBe((int)Math.Min(eax & 0xFF, 46));
    }

    [Test]
    public void Phpr_maps_pcst_at_the_device_managers_window()
    {
        // OperationRegion(PCST, SystemMemory, 0xFFFFFEF000 (QWordConst), 0x10 (ByteConst)).
        byte[] region = [0x5B, 0x80, .. "PCST"u8.ToArray(), 0x00, 0x0E, 0x00, 0xF0, 0xFE, 0xFF, 0xFF, 0, 0, 0, 0x0A, 0x10];
        IndexOf(region).ShouldBeGreaterThan(0);
        // Field(PCST, DWordAcc, NoLock, WriteAsZeros) { PCIU 32, PCID 32, B0EJ 32, PSEG 32 }: flags 0x03 | (2 << 5).
        byte[] field = [0x5B, 0x81, 0x1A, .. "PCST"u8.ToArray(), 0x43, .. "PCIU"u8.ToArray(), 0x20, .. "PCID"u8.ToArray(), 0x20, .. "B0EJ"u8.ToArray(), 0x20, .. "PSEG"u8.ToArray(), 0x20];
        IndexOf(field).ShouldBeGreaterThan(0);
        // _CRS: QWordMemory min 0xFFFFFEF000, max + 0xF, length 0x10.
        QWordMemoryAt(IndexOf([0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x01])).ShouldBe((0xFF_FFFE_F000UL, 0xFF_FFFE_F00FUL, 0x10UL));
        // _STA is the byte 0x0B; the mutex BLCK has sync level 0.
        IndexOf([0x08, .. "_STA"u8.ToArray(), 0x0A, 0x0B]).ShouldBeGreaterThan(0);
        IndexOf([0x5B, 0x01, .. "BLCK"u8.ToArray(), 0x00]).ShouldBeGreaterThan(0);
    }

    [Test]
    public void Ged_is_acpi0013_on_irq_13_calling_escn()
    {
        byte[] ged =
        [
            0x5B, 0x82, 0x4A, 0x04, 0x2E, .. "_SB_GED_"u8.ToArray(),
            0x08, .. "_HID"u8.ToArray(), 0x0D, .. "ACPI0013"u8.ToArray(), 0x00,
            0x08, .. "_UID"u8.ToArray(), 0x00,
            // Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) { 13 }.
            0x08, .. "_CRS"u8.ToArray(), 0x11, 0x0E, 0x0A, 0x0B, 0x89, 0x06, 0x00, 0x03, 0x01, 0x0D, 0x00, 0x00, 0x00, 0x79, 0x00,
            // Method(_EVT, 1, Serialized) { \_SB_.GEC_.ESCN() }.
            0x14, 0x15, .. "_EVT"u8.ToArray(), 0x09, (byte)'\\', 0x2F, 0x03, .. "_SB_GEC_ESCN"u8.ToArray(),
        ];

        IndexOf(ged).ShouldBeGreaterThan(0);
    }

    [Test]
    public void Gec_maps_one_byte_at_the_ged_address_and_escn_dispatches_four_bits()
    {
        // OperationRegion(GDST, SystemMemory, 0xFFFFFED000, One), Field(GDST, ByteAcc, NoLock, WriteAsZeros) { GDAT 8 }.
        IndexOf([0x5B, 0x80, .. "GDST"u8.ToArray(), 0x00, 0x0E, 0x00, 0xD0, 0xFE, 0xFF, 0xFF, 0, 0, 0, 0x01]).ShouldBeGreaterThan(0);
        IndexOf([0x5B, 0x81, 0x0B, .. "GDST"u8.ToArray(), 0x41, .. "GDAT"u8.ToArray(), 0x08]).ShouldBeGreaterThan(0);
        // ESCN: Local0 = GDAT; Local1 = Local0 & One; If (Local1 == One) { \_SB_.CPUS.CSCN() } ...
        IndexOf([0x70, .. "GDAT"u8.ToArray(), 0x60, 0x7B, 0x60, 0x01, 0x61, 0xA0, 0x13, 0x93, 0x61, 0x01, (byte)'\\', 0x2F, 0x03, .. "_SB_CPUSCSCN"u8.ToArray()]).ShouldBeGreaterThan(0);
        // ... and bit 3: Notify(\_SB_.PWRB, 0x80).
        IndexOf([0x7B, 0x60, 0x0A, 0x08, 0x61, 0xA0, 0x12, 0x93, 0x61, 0x0A, 0x08, 0x86, (byte)'\\', 0x2E, .. "_SB_PWRB"u8.ToArray(), 0x0A, 0x80]).ShouldBeGreaterThan(0);
    }

    [Test]
    public void Pc00_crs_lists_bus_0_the_config_ports_ecam_both_mmio_windows_and_the_io_ranges()
    {
        var crs = IndexOf([0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00]); // WordBusNumber
        crs.ShouldBeGreaterThan(0);
        var d = Aml.AsSpan(crs);
        BinaryPrimitives.ReadUInt16LittleEndian(d[8..]).ShouldBe((ushort)0);    // min
        BinaryPrimitives.ReadUInt16LittleEndian(d[10..]).ShouldBe((ushort)0);   // max
        d = d[16..];
        d[..8].ToArray().ShouldBe(new byte[] { 0x47, 1, 0xF8, 0x0C, 0xF8, 0x0C, 1, 8 });  // IO(Decode16, 0xCF8, 0xCF8, 1, 8)
        d = d[8..];
        d[..12].ToArray().ShouldBe(new byte[] { 0x86, 9, 0, 1, 0, 0, 0, 0xE8, 0, 0, 0x10, 0 }); // Memory32Fixed(RW, ECAM, 1 MiB)
        d = d[12..];
        QWordMemoryAt(crs + 36).ShouldBe((0xC000_0000UL, 0xE7FF_FFFFUL, 640UL << 20));
        QWordMemoryAt(crs + 36 + 46).ShouldBe((0x1_0000_0000UL, 0xFF_FFEE_FFFFUL, 0xFE_FFEF_0000UL));
        d = d[92..];
        d[..6].ToArray().ShouldBe(new byte[] { 0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03 }); // WordIO, EntireRange
        BinaryPrimitives.ReadUInt16LittleEndian(d[10..]).ShouldBe((ushort)0xCF7);
        BinaryPrimitives.ReadUInt16LittleEndian(d[(16 + 8)..]).ShouldBe((ushort)0xD00);
        BinaryPrimitives.ReadUInt16LittleEndian(d[(16 + 10)..]).ShouldBe((ushort)0xFFFF);
        d[32..34].ToArray().ShouldBe(new byte[] { 0x79, 0 });
    }

    [Test]
    public void Pc00_has_32_hotplug_slots_and_a_prt_sharing_irqs_5_to_12()
    {
        for (var slot = 0; slot < 32; slot++)
            IndexOf([.. Encoding.ASCII.GetBytes($"S{slot:D3}"), 0x08, .. "_SUN"u8.ToArray()]).ShouldBeGreaterThan(0, $"S{slot:D3}");
        // Slot 1: _SUN One, _ADR 0x00010000 (DWordConst), _EJ0 calling \_SB_.PHPR.PCEJ(_SUN, _SEG).
        IndexOf([.. "S001"u8.ToArray(), 0x08, .. "_SUN"u8.ToArray(), 0x01, 0x08, .. "_ADR"u8.ToArray(), 0x0C, 0, 0, 1, 0]).ShouldBeGreaterThan(0);
        // _PRT: Package(32) of Package(4) { (slot << 16) | 0xFFFF, Zero, Zero, IRQ }.
        var prt = IndexOf([0x08, .. "_PRT"u8.ToArray(), 0x12]);
        prt.ShouldBeGreaterThan(0);
        IndexOf([0x12, 0x09, 0x04, 0x0B, 0xFF, 0xFF, 0x00, 0x00, 0x0A, 0x05]).ShouldBeGreaterThan(prt);                 // slot 0, IRQ 5
        IndexOf([0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF, 0x08, 0x00, 0x00, 0x00, 0x0A, 0x05]).ShouldBeGreaterThan(prt);     // slot 8, IRQ 5 again
        IndexOf([0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF, 0x1F, 0x00, 0x00, 0x00, 0x0A, 0x0C]).ShouldBeGreaterThan(prt);     // slot 31, IRQ 12
    }

    [Test]
    public void Cpus_holds_c000_with_csta_status_and_a_mat_of_its_enabled_x2apic()
    {
        // _MAT: Buffer(0x10) { Local x2APIC: type 9, length 16, reserved, x2APIC ID 0, flags Enabled, UID 0 }.
        IndexOf([0x08, .. "_MAT"u8.ToArray(), 0x11, 0x13, 0x0A, 0x10, 9, 16, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).ShouldBeGreaterThan(0);
        // _STA: Return(CSTA(Zero)); _EJ0: CEJ0(Zero).
        IndexOf([0x14, 0x0C, .. "_STA"u8.ToArray(), 0x00, 0xA4, .. "CSTA"u8.ToArray(), 0x00]).ShouldBeGreaterThan(0);
        IndexOf([0x14, 0x0B, .. "_EJ0"u8.ToArray(), 0x01, .. "CEJ0"u8.ToArray(), 0x00]).ShouldBeGreaterThan(0);
        // PRES maps PRST at the CPU manager's window, 0x0C bytes.
        IndexOf([0x5B, 0x80, .. "PRST"u8.ToArray(), 0x00, 0x0E, 0x00, 0xE0, 0xFE, 0xFF, 0xFF, 0, 0, 0, 0x0A, 0x0C]).ShouldBeGreaterThan(0);
        // CSCN loops While (Local0 < One): max_vcpus 1.
        IndexOf([0x95, 0x60, 0x01]).ShouldBeGreaterThan(0);
    }

    [Test]
    public void Two_vcpus_give_c001_and_a_second_ctfy_branch()
    {
        var aml = CloudHypervisorDsdt.DefinitionBlock(2);

        Find(aml, [0x5B, 0x82, 0x46, 0x05, .. "C001"u8.ToArray()]).ShouldBeGreaterThan(0);
        Find(aml, [0xA0, 0x0A, 0x93, 0x68, 0x01, 0x86, .. "C001"u8.ToArray(), 0x69]).ShouldBeGreaterThan(0);
        Find(aml, [0x95, 0x60, 0x0A, 0x02]).ShouldBeGreaterThan(0);
    }

    [Test]
    public void Mhpc_without_hotplug_is_the_bare_controller_with_an_empty_mscn()
    {
        byte[] mhpc =
        [
            0x5B, 0x82, 0x3B, 0x2E, .. "_SB_MHPC"u8.ToArray(),
            0x08, .. "_HID"u8.ToArray(), 0x0C, 0x41, 0xD0, 0x0A, 0x06,
            0x08, .. "_UID"u8.ToArray(), 0x0D, .. "Memory Hotplug Controller"u8.ToArray(), 0x00,
            0x14, 0x06, .. "MSCN"u8.ToArray(), 0x08,
        ];

        Aml[^mhpc.Length..].ShouldBe(mhpc);
    }

    private static (ulong Min, ulong Max, ulong Length) QWordMemoryAt(int offset)
    {
        offset.ShouldBeGreaterThanOrEqualTo(0);
        var d = Aml.AsSpan(offset);
        d[0].ShouldBe((byte)0x8A);
        return (BinaryPrimitives.ReadUInt64LittleEndian(d[14..]), BinaryPrimitives.ReadUInt64LittleEndian(d[22..]), BinaryPrimitives.ReadUInt64LittleEndian(d[38..]));
    }
}
