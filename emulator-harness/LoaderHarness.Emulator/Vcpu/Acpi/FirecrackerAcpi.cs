namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI tables Firecracker v1.16.1 writes for an x86_64 guest with one vCPU, no virtio devices and PCI
/// disabled, byte for byte (src/vmm/src/acpi/mod.rs <c>create_acpi_tables</c>, src/vmm/src/acpi/x86_64.rs,
/// src/acpi-tables/src/*.rs).
/// </summary>
/// <remarks>
/// Placement: every table is allocated first-fit, byte-aligned, from the "system memory" range
/// [SYSTEM_MEM_START 0x9FC00, RSDP_ADDR 0xE0000) (src/vmm/src/vstate/resources.rs <c>system_memory</c>,
/// arch/x86_64/layout.rs), which the e820 and the PVH memmap mark reserved (arch/x86_64/mod.rs). Before the
/// tables, arch/x86_64/mod.rs <c>configure_system_for_boot</c> has taken the MP table (mptable.rs
/// <c>compute_mp_size</c> bytes) from the start of that range, and the VMGenID (16 bytes, 8-aligned) and VMClock
/// (4 KiB, 4 KiB-aligned) devices have taken theirs from its end (devices/acpi/vmgenid.rs, vmclock.rs,
/// <c>AllocPolicy::LastMatch</c>), with legacy GSIs 5 and 6 (the first of GSI_LEGACY_START..=GSI_LEGACY_END).
/// The tables follow in create_acpi_tables' order: DSDT, FADT, MADT, MCFG, XSDT; the RSDP goes at RSDP_ADDR.
/// The kernel finds it there through boot_params.acpi_rsdp_addr (64-bit boot, arch/x86_64/mod.rs
/// configure_64bit_boot) or, under PVH, where Firecracker leaves hvm_start_info.rsdp_paddr zero, by scanning
/// 0xE0000–0xFFFFF (drivers/acpi/acpica/tbxfroot.c acpi_find_root_pointer).
/// Not written: the VMGenID generation ID and the VMClock page themselves (device state, not ACPI tables).
/// </remarks>
public static class FirecrackerAcpi
{
    /// <summary>acpi/mod.rs <c>OEM_ID</c>.</summary>
    public const string OemId = "FIRECK";
    /// <summary>acpi/mod.rs <c>OEM_REVISION</c>.</summary>
    public const uint OemRevision = 0;
    /// <summary>acpi/mod.rs <c>HYPERVISOR_VENDOR_ID</c>, the FADT's Hypervisor Vendor Identity.</summary>
    public const string HypervisorVendorId = "FIRECKVM";
    /// <summary>acpi-tables/src/lib.rs <c>FC_ACPI_CREATOR_ID</c>.</summary>
    public const string CreatorId = "FCAT";
    /// <summary>acpi-tables/src/lib.rs <c>FC_ACPI_CREATOR_REVISION</c>.</summary>
    public const uint CreatorRevision = 0x2024_0119;

    /// <summary>layout.rs <c>SYSTEM_MEM_START</c>: the first byte after the 640 KiB of base RAM Linux uses (EBDA).</summary>
    public const ulong SystemMemoryStart = 0x9_FC00;
    /// <summary>layout.rs <c>RSDP_ADDR</c>, also the end of system memory (SYSTEM_MEM_SIZE = RSDP_ADDR − SYSTEM_MEM_START).</summary>
    public const ulong RsdpAddress = 0xE_0000;
    /// <summary>layout.rs <c>PCI_MMCONFIG_START</c> = IOAPIC_ADDR − PCI_MMCONFIG_SIZE (256 MiB).</summary>
    public const ulong PciMmconfigStart = ApicAddresses.IoApic - (256UL << 20);

    /// <summary>devices/acpi/vmgenid.rs: 16 bytes (VMGENID_MEM_SIZE), 8-aligned, last fit in system memory.</summary>
    public const ulong VmGenIdAddress = RsdpAddress - 16;
    /// <summary>devices/acpi/vmclock.rs: VMCLOCK_SIZE 0x1000 bytes aligned to 0x1000, last fit below the VMGenID buffer.</summary>
    public const ulong VmClockAddress = (VmGenIdAddress - 0x1000) & ~0xFFFUL;
    /// <summary>devices/acpi/vmclock.rs <c>VMCLOCK_SIZE</c>.</summary>
    public const ulong VmClockSize = 0x1000;
    /// <summary>The VMGenID's GSI: the first legacy GSI, layout.rs GSI_LEGACY_START (attached first, builder.rs).</summary>
    public const uint VmGenIdGsi = 5;
    /// <summary>The VMClock's GSI: the next legacy GSI.</summary>
    public const uint VmClockGsi = 6;
    /// <summary>device_manager/legacy.rs <c>COM1_GSI</c>.</summary>
    public const uint Com1Gsi = 4;
    /// <summary>device_manager/legacy.rs <c>KBD_EVT_GSI</c>.</summary>
    public const uint KeyboardGsi = 1;

    /// <summary>
    /// mptable.rs <c>compute_mp_size</c>: mpf_intel (16) + mpc_table (44) + 20 per mpc_cpu + mpc_ioapic (8) +
    /// mpc_bus (8) + 8 per mpc_intsrc × (GSI_LEGACY_END + 1 = 24) + 2 × mpc_lintsrc (8).
    /// </summary>
    public static ulong MpTableSize(int vcpus) => 16 + 44 + 20 * (ulong)vcpus + 8 + 8 + 8 * 24 + 8 * 2;

    /// <summary>The tables for a guest with <paramref name="vcpus"/> vCPUs (the harness runs one).</summary>
    public static AcpiTables Build(int vcpus = 1)
    {
        var next = SystemMemoryStart + MpTableSize(vcpus);
        AcpiTable Allocate(byte[] bytes)
        {
            var table = new AcpiTable(next, bytes);
            next += (ulong)bytes.Length;
            return table;
        }

        var dsdt = Allocate(Dsdt.Build(Header("DSDT", 2, "FCVMDSDT"), DefinitionBlock()));
        var fadt = Allocate(new Fadt
        {
            Header = Header("FACP", 6, "FCVMFADT"),
            // acpi/mod.rs build_fadt: X_DSDT only, flags HW_REDUCED_ACPI | PWR_BUTTON | SLP_BUTTON; fadt.rs Fadt::new: minor version 5.
            XDsdt = dsdt.Address,
            Flags = Fadt.HardwareReducedAcpi | Fadt.PowerButton | Fadt.SleepButton,
            MinorVersion = 5,
            HypervisorVendorId = HypervisorVendorId,
            // acpi/x86_64.rs setup_arch_fadt: 1 << IAPC_BOOT_ARG_FLAGS_VGA_NOT_PRESENT (2).
            IapcBootArch = Fadt.VgaNotPresent,
        }.Build());
        // acpi/x86_64.rs setup_interrupt_controllers: the I/O APIC (ID 0, IOAPIC_ADDR, GSI base 0), then one local
        // APIC per vCPU (UID = APIC ID = index, flags Enabled); madt.rs: revision 6, MADT flags 0, no overrides.
        var entries = new List<byte[]> { Madt.IoApic(0, ApicAddresses.IoApic, ApicAddresses.IoApicGsiBase) };
        for (var i = 0; i < vcpus; i++)
            entries.Add(Madt.LocalApic((byte)i, (byte)i, 1));
        var madt = Allocate(Madt.Build(Header("APIC", 6, "FCVMMADT"), ApicAddresses.LocalApic, 0, entries));
        // mcfg.rs: revision 1, one range: PCI_MMCONFIG_START, segment 0, buses 0–0.
        var mcfg = Allocate(Mcfg.Build(Header("MCFG", 1, "FCMVMCFG"), [new Mcfg.Allocation(PciMmconfigStart, 0, 0, 0)]));
        // xsdt.rs: revision 1; acpi/mod.rs build_xsdt: table ID "FCMVXSDT" (sic), entries FADT, MADT, MCFG.
        var xsdt = Allocate(Xsdt.Build(Header("XSDT", 1, "FCMVXSDT"), [fadt.Address, madt.Address, mcfg.Address]));
        var rsdp = new AcpiTable(RsdpAddress, Rsdp.Build(OemId, xsdt.Address));
        return new AcpiTables
        {
            Source = "firecracker v1.16.1 src/vmm/src/acpi/{mod.rs,x86_64.rs}, src/acpi-tables/src",
            Tables = [rsdp, xsdt, fadt, madt, mcfg, dsdt],
        };
    }

    private static SdtHeader Header(string signature, byte revision, string tableId) =>
        new(signature, revision, OemId, tableId, OemRevision, CreatorId, CreatorRevision);

    /// <summary>
    /// The DSDT's AML in acpi/mod.rs build_dsdt's order: the virtio-mmio devices (none), the ACPI devices
    /// (device_manager/acpi.rs: VMGenID, VMClock, then the GED that notifies them), the PCI segment (none with PCI
    /// disabled), and the legacy port I/O devices (device_manager/legacy.rs: COM1 and the i8042).
    /// </summary>
    public static byte[] DefinitionBlock() =>
    [
        // devices/acpi/vmgenid.rs impl Aml for VmGenId.
        .. Aml.Device("_SB_.VGEN",
            Aml.Name("_HID", Aml.String("VMGENCTR")),
            Aml.Name("_CID", Aml.String("VM_Gen_Counter")),
            Aml.Name("_DDN", Aml.String("VM_Gen_Counter")),
            Aml.Name("ADDR", Aml.Package(Aml.DWord((uint)VmGenIdAddress), Aml.DWord((uint)(VmGenIdAddress >> 32))))),
        // devices/acpi/vmclock.rs impl Aml for VmClock: _CRS is a QWord memory range (the address is a u64), cacheable, read-only.
        .. Aml.Device("_SB_.VCLK",
            Aml.Name("_HID", Aml.String("AMZNC10C")),
            Aml.Name("_CID", Aml.String("VMCLOCK")),
            Aml.Name("_DDN", Aml.String("VMCLOCK")),
            Aml.Method("_STA", 0, false, Aml.Return(Aml.Byte(0x0F))),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.QWordMemory(1, false, VmClockAddress, VmClockAddress + VmClockSize - 1)))),
        // device_manager/acpi.rs impl Aml for ACPIDeviceManager: the Generic Event Device and its _EVT.
        .. Aml.Device("_SB_.GED_",
            Aml.Name("_HID", Aml.String("ACPI0013")),
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.Interrupt(true, true, false, false, VmGenIdGsi),
                AmlResource.Interrupt(true, true, false, false, VmClockGsi))),
            Aml.Method("_EVT", 1, true,
                Aml.If(Aml.LEqual(Aml.Arg(0), Aml.Byte((byte)VmGenIdGsi)), Aml.Notify("\\_SB_.VGEN", Aml.Integer(0x80))),
                Aml.If(Aml.LEqual(Aml.Arg(0), Aml.Byte((byte)VmClockGsi)), Aml.Notify("\\_SB_.VCLK", Aml.Integer(0x80))))),
        // device_manager/legacy.rs PortIODeviceManager::append_aml_bytes: COM1 at SERIAL_PORT_ADDRESS 0x3F8, 8 ports.
        .. Aml.Device("_SB_.COM1",
            Aml.Name("_HID", Aml.EisaId("PNP0501")),
            Aml.Name("_UID", Aml.Byte(0)),
            Aml.Name("_DDN", Aml.String("COM1")),
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.Interrupt(true, true, false, false, Com1Gsi),
                AmlResource.Io(0x3F8, 0x3F8, 1, 8)))),
        // The i8042: data port 0x60 and a "fake" command port 0x64, KBD_EVT_GSI.
        .. Aml.Device("_SB_.PS2_",
            Aml.Name("_HID", Aml.EisaId("PNP0303")),
            Aml.Method("_STA", 0, false, Aml.Return(Aml.Byte(0x0F))),
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.Io(0x60, 0x60, 1, 1),
                AmlResource.Io(0x64, 0x64, 1, 1),
                AmlResource.Interrupt(true, true, false, false, KeyboardGsi)))),
    ];
}
