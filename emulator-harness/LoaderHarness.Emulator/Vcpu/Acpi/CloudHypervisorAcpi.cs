namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI tables Cloud Hypervisor v53.0 writes for an x86_64 guest with one vCPU, the legacy serial port and no
/// optional devices (no NUMA, TPM, IOMMU or fw_cfg): vmm/src/acpi.rs <c>create_acpi_tables</c>, vmm/src/cpu.rs
/// <c>create_madt</c>, vmm/src/device_manager.rs <c>impl Aml for DeviceManager</c>, built with rust-vmm's
/// acpi_tables 0.2.1 (src/sdt.rs, src/rsdp.rs, src/aml.rs).
/// </summary>
/// <remarks>
/// Placement (acpi.rs create_acpi_tables): the RSDP at arch/src/x86_64/layout.rs <c>RSDP_POINTER</c> = EBDA_START
/// 0xA0000, then, packed right after it, the DSDT, FACP, APIC (MADT), MCFG and XSDT in create_acpi_tables_internal's
/// order. The kernel finds the RSDP through boot_params.acpi_rsdp_addr or hvm_start_info.rsdp_paddr, both set to
/// it (arch/src/x86_64/mod.rs configure_system).
/// The DSDT is complete (<see cref="CloudHypervisorDsdt"/>): the device manager's, CPU manager's and memory
/// manager's objects, with the MMIO addresses and the GED's IRQ Cloud Hypervisor's allocators give them
/// (<see cref="CloudHypervisorPlatformDevices"/>) on a host with the harness CPU's 40 physical address bits; on a host
/// with other than 40 (up to 46) the hotplug and GED windows and the PCI 64-bit window's end move, and with them
/// nothing else (those are fixed-size integers, so the DSDT's length and the later tables' addresses do not).
/// </remarks>
public static class CloudHypervisorAcpi
{
    /// <summary>The OEM ID every Cloud Hypervisor table and the RSDP carry (acpi.rs, <c>*b"CLOUDH"</c>).</summary>
    public const string OemId = "CLOUDH";
    /// <summary>The OEM revision acpi.rs and cpu.rs pass to <c>Sdt::new</c>.</summary>
    public const uint OemRevision = 1;
    /// <summary>acpi_tables 0.2.1 src/lib.rs <c>CREATOR_ID</c>.</summary>
    public const string CreatorId = "RVAT";
    /// <summary>acpi_tables 0.2.1 src/lib.rs <c>CREATOR_REVISION</c>, the bytes [0, 0, 0, 1] read little-endian.</summary>
    public const uint CreatorRevision = 0x0100_0000;
    /// <summary>acpi.rs create_facp_table: the FADT's Hypervisor Vendor Identity.</summary>
    public const string HypervisorVendorId = "CLOUDHYP";

    /// <summary>arch/src/x86_64/layout.rs <c>RSDP_POINTER</c> = <c>EBDA_START</c>.</summary>
    public const ulong RsdpAddress = 0xA_0000;
    /// <summary>layout.rs <c>PCI_MMCONFIG_START</c> = MEM_32BIT_DEVICES_START 0xC0000000 + MEM_32BIT_DEVICES_SIZE 640 MiB.</summary>
    public const ulong PciMmconfigStart = 0xE800_0000;
    /// <summary>layout.rs <c>PCI_MMIO_CONFIG_SIZE_PER_SEGMENT</c>: 4096 × 256.</summary>
    public const uint PciMmioConfigSizePerSegment = 4096 * 256;
    /// <summary>device_manager.rs add_acpi_devices: the shutdown device's port (sleep control, sleep status, reset).</summary>
    public const ushort ShutdownPort = 0x600;
    /// <summary>device_manager.rs add_acpi_devices: the ACPI PM timer's port.</summary>
    public const ushort PmTimerPort = 0x608;
    /// <summary>device_manager.rs impl Aml for DeviceManager: <c>serial_irq = 4</c> on x86_64.</summary>
    public const uint SerialIrq = 4;

    /// <summary>The tables for a guest with <paramref name="vcpus"/> vCPUs (the harness runs one).</summary>
    public static AcpiTables Build(int vcpus = 1)
    {
        // acpi.rs create_acpi_tables: dsdt_addr = RSDP_POINTER + Rsdp::len() (36).
        var next = RsdpAddress + Rsdp.Size;
        AcpiTable Allocate(byte[] bytes)
        {
            var table = new AcpiTable(next, bytes);
            next += (ulong)bytes.Length;
            return table;
        }

        // acpi.rs create_dsdt_table: Sdt::new(b"DSDT", 36, 6, b"CLOUDH", b"CHDSDT  ", 1).
        var dsdt = Allocate(Dsdt.Build(Header("DSDT", 6, "CHDSDT  "), DefinitionBlock(vcpus)));
        // acpi.rs create_facp_table: revision 6, 276 bytes; the x86_64 shutdown device's GASes
        // (acpi_tables sdt.rs GenericAddress::io_port_address::<u8>: I/O space, 8 bits, byte access) for RESET_REG,
        // SLEEP_CONTROL_REG and SLEEP_STATUS_REG, RESET_VALUE 1, the PM timer (io_port_address::<u32>: 32 bits, dword
        // access) at X_PM_TMR_BLK; flags HW_REDUCED_ACPI | RESET_REG_SUP | TMR_VAL_EXT; minor version 3; X_DSDT only.
        var shutdown = new GenericAddress(1, 8, 0, 1, ShutdownPort);
        var fadt = Allocate(new Fadt
        {
            Header = Header("FACP", 6, "CHFACP  "),
            ResetRegister = shutdown,
            ResetValue = 1,
            SleepControlRegister = shutdown,
            SleepStatusRegister = shutdown,
            XPmTimerBlock = new GenericAddress(1, 32, 0, 3, PmTimerPort),
            Flags = Fadt.HardwareReducedAcpi | Fadt.ResetRegisterSupported | Fadt.TimerValueExtended,
            MinorVersion = 3,
            XDsdt = dsdt.Address,
            HypervisorVendorId = HypervisorVendorId,
        }.Build());
        // cpu.rs create_madt: revision 5, APIC_START at 36, flags 0; one Local x2APIC per vCPU (x2APIC ID
        // get_x2apic_id(cpu) = cpu for one thread per core, flags Enabled | Online Capable, UID cpu), the I/O APIC
        // (ID 0, IOAPIC_START, GSI base 0), and an override of ISA IRQ 4 to GSI 4 with flags 0.
        var entries = new List<byte[]>();
        for (var i = 0; i < vcpus; i++)
            entries.Add(Madt.LocalX2Apic((uint)i, 0b11, (uint)i));
        entries.Add(Madt.IoApic(0, ApicAddresses.IoApic, ApicAddresses.IoApicGsiBase));
        entries.Add(Madt.InterruptSourceOverride(4, 4, 0));
        var madt = Allocate(Madt.Build(Header("APIC", 5, "CHMADT  "), ApicAddresses.LocalApic, 0, entries));
        // acpi.rs create_mcfg_table: revision 1, one entry per PCI segment; segment 0 at PCI_MMCONFIG_START
        // (pci_segment.rs: + PCI_MMIO_CONFIG_SIZE_PER_SEGMENT × id), buses 0–0.
        var mcfg = Allocate(Mcfg.Build(Header("MCFG", 1, "CHMCFG  "), [new Mcfg.Allocation(PciMmconfigStart, 0, 0, 0)]));
        // acpi.rs create_acpi_tables_internal: XSDT revision 1, entries FACP, APIC, MCFG.
        var xsdt = Allocate(Xsdt.Build(Header("XSDT", 1, "CHXSDT  "), [fadt.Address, madt.Address, mcfg.Address]));
        // acpi_tables rsdp.rs Rsdp::new(b"CLOUDH", xsdt_addr): revision 2, no RSDT.
        var rsdp = new AcpiTable(RsdpAddress, Rsdp.Build(OemId, xsdt.Address));
        return new AcpiTables
        {
            Source = "cloud-hypervisor v53.0 vmm/src/acpi.rs, cpu.rs create_madt, device_manager.rs; acpi_tables 0.2.1",
            Tables = [rsdp, dsdt, fadt, madt, mcfg, xsdt],
        };
    }

    private static SdtHeader Header(string signature, byte revision, string tableId) =>
        new(signature, revision, OemId, tableId, OemRevision, CreatorId, CreatorRevision);

    /// <summary>The DSDT's AML for <paramref name="vcpus"/> vCPUs: <see cref="CloudHypervisorDsdt.DefinitionBlock"/>.</summary>
    public static byte[] DefinitionBlock(int vcpus = 1) => CloudHypervisorDsdt.DefinitionBlock(vcpus);
}
