namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI tables crosvm (commit f1e797a6) writes for an x86_64 guest from a default <c>crosvm run</c> of a kernel with
/// one vCPU, RAM ending below 4 GiB, no PCI devices, no battery, no <c>--force-s2idle</c> and no user tables: x86_64/src/acpi.rs
/// <c>create_acpi_tables</c>, <c>create_facp_table</c>, <c>write_facp_overrides</c>; the DSDT's AML from x86_64/src/lib.rs
/// <c>setup_acpi_devices</c> (<see cref="CrosvmDsdt"/>); crosvm's own acpi_tables crate (src/sdt.rs, src/rsdp.rs, src/facs.rs).
/// </summary>
/// <remarks>
/// Placement (acpi.rs create_acpi_tables): the RSDP at lib.rs <c>ACPI_HI_RSDP_WINDOW_BASE</c> 0xE0000, then the FACS, DSDT,
/// FACP, APIC (MADT), MCFG and XSDT, each at <c>next_offset</c> of the one before, which rounds the length up to 64. crosvm
/// advances past the MCFG by the MADT's length (<c>offset = next_offset(offset, madt.len())</c> after writing the MCFG),
/// so the XSDT sits 64 × ⌈MADT length / 64⌉ after the MCFG; with one vCPU the MADT's 64 bytes hide the slip. crosvm sets
/// neither boot_params.acpi_rsdp_addr nor a PVH rsdp_paddr: the kernel finds the RSDP by scanning 0xE0000–0xFFFFF.
/// </remarks>
public static class CrosvmAcpi
{
    /// <summary>The OEM ID of every table and the RSDP (acpi.rs, <c>*b"CROSVM"</c>).</summary>
    public const string OemId = "CROSVM";
    /// <summary>The OEM table ID of every table (acpi.rs, <c>*b"CROSVMDT"</c>).</summary>
    public const string OemTableId = "CROSVMDT";
    /// <summary>acpi.rs <c>OEM_REVISION</c>.</summary>
    public const uint OemRevision = 1;
    /// <summary>acpi_tables sdt.rs <c>SDT::new</c>: creator ID <c>b"CROS"</c>, creator revision 0.</summary>
    public const string CreatorId = "CROS";

    /// <summary>x86_64/src/lib.rs <c>ACPI_HI_RSDP_WINDOW_BASE</c>.</summary>
    public const ulong RsdpAddress = 0xE_0000;
    /// <summary>lib.rs <c>X86_64_SCI_IRQ</c>: the FADT's SCI_INT.</summary>
    public const ushort SciIrq = 5;
    /// <summary>
    /// lib.rs setup_acpi_devices: the ACPI PM block's I/O base, the first allocation from the I/O pool
    /// (get_system_allocator_config <c>io</c> 0xC000–0xFFFF, resources address_allocator.rs min_align 0x400) of
    /// devices/src/acpi.rs <c>ACPIPM_RESOURCE_LEN</c> 72 ports.
    /// </summary>
    public const ushort PmIoBase = 0xC000;
    /// <summary>devices/src/acpi.rs <c>ACPIPM_RESOURCE_EVENTBLK_LEN</c>: PM1 status and enable, two bytes each.</summary>
    public const byte Pm1EventLength = 4;
    /// <summary>devices/src/acpi.rs <c>ACPIPM_RESOURCE_CONTROLBLK_LEN</c>.</summary>
    public const byte Pm1ControlLength = 2;
    /// <summary>devices/src/acpi.rs <c>ACPIPM_RESOURCE_GPE0_BLK_LEN</c>: 32 status bytes, then 32 enable bytes.</summary>
    public const byte Gpe0BlockLength = 64;
    /// <summary>acpi.rs write_facp_overrides: PM1a_CNT_BLK = pm_iobase + ACPIPM_RESOURCE_EVENTBLK_LEN.</summary>
    public const ushort Pm1aControlPort = PmIoBase + Pm1EventLength;
    /// <summary>acpi.rs write_facp_overrides: GPE0_BLK = pm_iobase + ACPIPM_RESOURCE_EVENTBLK_LEN + 4.</summary>
    public const ushort Gpe0Port = PmIoBase + Pm1EventLength + 4;
    /// <summary>lib.rs build_vm passes <c>reset_port</c> 0xCF9 to create_acpi_tables.</summary>
    public const ushort ResetPort = 0xCF9;
    /// <summary>lib.rs build_vm: <c>reset_value</c> 6, "RST_CPU|SYS_RST".</summary>
    public const byte ResetValue = 6;
    /// <summary>acpi.rs <c>FADT_MINOR_REVISION</c>.</summary>
    public const byte FadtMinorRevision = 3;

    /// <summary>The tables for a guest with <paramref name="vcpus"/> vCPUs (the harness runs one).</summary>
    public static AcpiTables Build(int vcpus = 1)
    {
        // acpi.rs create_acpi_tables: facs_offset = next_offset(rsdp_offset, RSDP::len()), then the DSDT after the FACS.
        var facsAddress = NextOffset(RsdpAddress, Rsdp.Size);
        var facs = new AcpiTable(facsAddress, Facs.Build(1)); // facs.rs FACS::new: version 1
        // acpi.rs create_dsdt_table: SDT::new(b"DSDT", HEADER_LEN, DSDT_REVISION 6, ...) with setup_acpi_devices' AML.
        var dsdt = new AcpiTable(NextOffset(facs.Address, Facs.Size), Dsdt.Build(Header("DSDT", 6), CrosvmDsdt.DefinitionBlock()));
        // acpi.rs create_facp_table: FADT_LEN 276, FADT_REVISION 6; flags 0 (no s2idle), SCI_INT sci_irq, minor revision,
        // Hypervisor Vendor Identity "CROSVM" (6 bytes; the last two stay zero), the RTC's CMOS indices (devices/src/cmos.rs
        // RTC_REG_CENTURY 0x32, RTC_REG_ALARM_DAY 0x33, RTC_REG_ALARM_MONTH 0x34). write_facp_overrides: RESET_REG_SUP
        // (bit 10) added, SMI_CMD, FIRMWARE_CTRL and DSDT (32-bit) zero, X_FIRMWARE_CTRL and X_DSDT set, the PM1a event and
        // control blocks and GPE0 at pm_iobase with their lengths, PM1b, PM2, PM timer and GPE1 absent, every X_ GAS zero,
        // RESET_REG an I/O GAS (ADR_SPACE_SYSTEM_IO, 8 bits, offset 0, byte access) at reset_port, RESET_VALUE.
        var fadt = new AcpiTable(NextOffset(dsdt.Address, dsdt.Length), new Fadt
        {
            Header = Header("FACP", 6),
            Flags = Fadt.ResetRegisterSupported,
            SciInterrupt = SciIrq,
            MinorVersion = FadtMinorRevision,
            HypervisorVendorId = "CROSVM\0\0",
            Century = 0x32,
            DayAlarm = 0x33,
            MonthAlarm = 0x34,
            XFirmwareControl = facs.Address,
            XDsdt = dsdt.Address,
            Pm1aEventBlock = PmIoBase,
            Pm1aControlBlock = Pm1aControlPort,
            Gpe0Block = Gpe0Port,
            Pm1EventLength = Pm1EventLength,
            Pm1ControlLength = Pm1ControlLength,
            Gpe0BlockLength = Gpe0BlockLength,
            ResetRegister = new GenericAddress(1, 8, 0, 1, ResetPort),
            ResetValue = ResetValue,
        }.Build());
        // acpi.rs: MADT_LEN 44, MADT_REVISION 5, the local APIC at mptable.rs APIC_DEFAULT_PHYS_BASE, MADT_FLAG_PCAT_COMPAT;
        // without --host-cpu-topology one Local APIC per vCPU (UID = APIC ID = vcpu_id, MADT_ENABLED), then the I/O APIC
        // (ID 0, IO_APIC_DEFAULT_PHYS_BASE, GSI base 0); interrupt source overrides only for PCI IRQs, of which there are none.
        var entries = new List<byte[]>();
        for (var i = 0; i < vcpus; i++)
            entries.Add(Madt.LocalApic((byte)i, (byte)i, 1));
        entries.Add(Madt.IoApic(0, ApicAddresses.IoApic, ApicAddresses.IoApicGsiBase));
        var madt = new AcpiTable(NextOffset(fadt.Address, fadt.Length), Madt.Build(Header("APIC", 5), ApicAddresses.LocalApic, Madt.PcatCompat, entries));
        // acpi.rs: MCFG_LEN 60, MCFG_REVISION 1, the ECAM at pcie_cfg_mmio (CrosvmDsdt.PcieConfigMmio), buses 0 to max_bus.
        var mcfg = new AcpiTable(NextOffset(madt.Address, madt.Length),
            Mcfg.Build(Header("MCFG", 1), [new Mcfg.Allocation(CrosvmDsdt.PcieConfigMmio, 0, 0, CrosvmDsdt.MaxBus)]));
        // acpi.rs: "offset = next_offset(offset, madt.len())" after the MCFG, crosvm's slip; XSDT_REVISION 1, entries
        // in the order the tables were pushed: FACP, APIC, MCFG.
        var xsdt = new AcpiTable(NextOffset(mcfg.Address, madt.Length),
            Xsdt.Build(Header("XSDT", 1), [fadt.Address, madt.Address, mcfg.Address]));
        // acpi_tables rsdp.rs RSDP::new(b"CROSVM", xsdt): revision 2, no RSDT.
        var rsdp = new AcpiTable(RsdpAddress, Rsdp.Build(OemId, xsdt.Address));
        return new AcpiTables
        {
            Source = "crosvm f1e797a6 x86_64/src/acpi.rs create_acpi_tables, x86_64/src/lib.rs setup_acpi_devices, devices/src/acpi.rs; acpi_tables",
            Tables = [rsdp, facs, dsdt, fadt, madt, mcfg, xsdt],
        };
    }

    /// <summary>acpi.rs <c>next_offset</c>: <paramref name="offset"/> + <paramref name="length"/> rounded up to 64.</summary>
    public static ulong NextOffset(ulong offset, int length) => offset + (((ulong)length + 63) & ~63UL);

    private static SdtHeader Header(string signature, byte revision) =>
        new(signature, revision, OemId, OemTableId, OemRevision, CreatorId, 0);
}
