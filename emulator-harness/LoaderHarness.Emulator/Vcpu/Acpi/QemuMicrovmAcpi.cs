namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI tables QEMU 7.2 builds for <c>-M microvm</c> (ACPI on, the default) with one vCPU, TCG, <c>-nodefaults</c>,
/// one ISA serial port and no virtio devices, as its firmware qboot installs them from fw_cfg's
/// <c>etc/table-loader</c>: hw/i386/acpi-microvm.c <c>acpi_build_microvm</c> and <c>build_dsdt_microvm</c>,
/// hw/acpi/aml-build.c <c>build_fadt</c>, <c>build_xsdt</c>, <c>build_rsdp</c>, hw/i386/acpi-common.c
/// <c>acpi_build_madt</c>. Checked byte for byte against the tables QEMU 7.2 and qboot leave in guest memory.
/// </summary>
/// <remarks>
/// The machine (hw/i386/microvm.c <c>microvm_devices_init</c>): with ACPI, two I/O APICs (<c>microvm_ioapics</c>:
/// ioapic2=auto), 24 virtio-mmio transports on the second one's pins, the Generic Event Device (GED) at
/// GED_MMIO_BASE 0xFEA00000 with its registers at GED_MMIO_BASE_REGS 0xFEA00200 on GSI 9 (include/hw/i386/microvm.h),
/// the RTC (rtc=auto without KVM) and COM1 on the ISA bus; the DSDT lists a virtio-mmio transport only when a device
/// sits on it (acpi_dsdt_add_virtio), so none here.
/// Placement: acpi_build_microvm asks for the <c>etc/acpi/tables</c> blob (DSDT, FACP, APIC, XSDT, packed in that
/// order) 64-aligned in the high zone; qboot (main.c runs tables.c extract_acpi first) allocates it with malloc_align,
/// downwards from its text start 0xF0000 (malloc.c <c>malloc_top = &amp;stext</c>), so the 0x2E2-byte blob starts at
/// (0xF0000 − 0x2E2) &amp; ~63 = 0xEFD00. The RSDP (<c>etc/acpi/rsdp</c>, F-segment zone) comes from malloc_fseg_align,
/// upwards from qboot's data end, at 0xF34D0 in the qboot build QEMU 7.2 ships (pc-bios/qboot.rom), read back with QEMU's
/// gdbstub; tables.c do_alloc also sets <c>start_info.rsdp_paddr</c> to it for PVH. Through the 16-bit entry nothing sets
/// <c>boot_params.acpi_rsdp_addr</c> and the kernel finds it by scanning 0xE0000–0xFFFFF
/// (drivers/acpi/acpica/tbxfroot.c acpi_find_root_pointer).
/// </remarks>
public static class QemuMicrovmAcpi
{
    /// <summary>include/hw/acpi/aml-build.h ACPI_BUILD_APPNAME6: every table's and the RSDP's OEM ID (X86MachineState oem_id default).</summary>
    public const string OemId = "BOCHS ";
    /// <summary>ACPI_BUILD_APPNAME8: every table's OEM table ID (oem_table_id default).</summary>
    public const string OemTableId = "BXPC    ";
    /// <summary>hw/acpi/aml-build.c acpi_table_begin: OEM revision 1, creator ID ACPI_BUILD_APPNAME4, creator revision 1.</summary>
    public const string CreatorId = "BXPC";

    /// <summary>Where qboot put the <c>etc/acpi/tables</c> blob: 64-aligned below 0xF0000.</summary>
    public const ulong TablesAddress = 0xE_FD00;
    /// <summary>Where qboot put the RSDP, in its F-segment heap.</summary>
    public const ulong RsdpAddress = 0xF_34D0;

    /// <summary>include/hw/i386/microvm.h GED_MMIO_BASE: the GED's event selector register (ESEL).</summary>
    public const uint GedMmioBase = 0xFEA0_0000;
    /// <summary>microvm.h GED_MMIO_BASE_REGS = GED_MMIO_BASE + 0x200: sleep control, sleep status and reset registers.</summary>
    public const uint GedRegisters = GedMmioBase + 0x200;
    /// <summary>microvm.h GED_MMIO_IRQ.</summary>
    public const uint GedIrq = 9;
    /// <summary>include/hw/acpi/generic_event_device.h ACPI_GED_REG_SLEEP_CTL, ACPI_GED_REG_SLEEP_STS, ACPI_GED_REG_RESET offsets.</summary>
    public const uint SleepControl = GedRegisters + 0, SleepStatus = GedRegisters + 1, Reset = GedRegisters + 2;
    /// <summary>generic_event_device.h ACPI_GED_RESET_VALUE.</summary>
    public const byte ResetValue = 0x42;
    /// <summary>hw/intc/ioapic_internal.h / include/hw/i386/x86.h: the second I/O APIC's MMIO base (IO_APIC_SECONDARY_ADDRESS).</summary>
    public const uint SecondIoApic = 0xFEC1_0000;
    /// <summary>include/hw/i386/x86.h IO_APIC_SECONDARY_IRQBASE: the second I/O APIC's first GSI.</summary>
    public const uint SecondIoApicGsiBase = 24;

    /// <summary>The tables for a one-vCPU microvm.</summary>
    public static AcpiTables Build()
    {
        var next = TablesAddress;
        AcpiTable Allocate(byte[] bytes)
        {
            var table = new AcpiTable(next, bytes);
            next += (ulong)bytes.Length;
            return table;
        }

        // build_dsdt_microvm: revision 2.
        var dsdt = Allocate(Dsdt.Build(Header("DSDT", 2), DefinitionBlock()));
        // acpi_build_microvm's AcpiFadtData: revision 5 (ACPI 5.0 §4.1 Hardware-Reduced ACPI), flags HW_REDUCED_ACPI |
        // RESET_REG_SUP, the GED's sleep control / status and reset registers (system memory, 8 bits, access size 0),
        // reset value ACPI_GED_RESET_VALUE, IAPC_BOOT_ARCH 0 (iapc_boot_arch_8042: no i8042); build_fadt writes both the
        // 32-bit DSDT and X_DSDT, minor version 0 (AcpiFadtData.minor_ver unset).
        var fadt = Allocate(new Fadt
        {
            Header = Header("FACP", 5),
            Dsdt = (uint)dsdt.Address,
            XDsdt = dsdt.Address,
            Flags = Fadt.HardwareReducedAcpi | Fadt.ResetRegisterSupported,
            ResetRegister = new GenericAddress(0, 8, 0, 0, Reset),
            ResetValue = ResetValue,
            SleepControlRegister = new GenericAddress(0, 8, 0, 0, SleepControl),
            SleepStatusRegister = new GenericAddress(0, 8, 0, 0, SleepStatus),
        }.Build());
        // acpi_build_madt: revision 1, flags PCAT_COMPAT; the local APIC of each CPU (UID = APIC ID, Enabled), the I/O
        // APIC (ID 0, IO_APIC_DEFAULT_ADDRESS, GSI 0), the second (ID 1, IO_APIC_SECONDARY_ADDRESS, GSI
        // IO_APIC_SECONDARY_IRQBASE); no interrupt source overrides (microvm leaves apic_xrupt_override false); the
        // local APIC NMI on LINT1 of every processor (UID 0xFF, flags 0).
        var madt = Allocate(Madt.Build(Header("APIC", 1), ApicAddresses.LocalApic, Madt.PcatCompat,
        [
            Madt.LocalApic(0, 0, 1),
            Madt.IoApic(0, ApicAddresses.IoApic, ApicAddresses.IoApicGsiBase),
            Madt.IoApic(1, SecondIoApic, SecondIoApicGsiBase),
            Madt.LocalApicNmi(0xFF, 0, 1),
        ]));
        // build_xsdt: revision 1, the tables acpi_add_table recorded: FACP, APIC (the DSDT is reached through the FADT).
        var xsdt = Allocate(Xsdt.Build(Header("XSDT", 1), [fadt.Address, madt.Address]));
        // build_rsdp: revision 2 ("xsdt needs v2"), no RSDT.
        var rsdp = new AcpiTable(RsdpAddress, Rsdp.Build(OemId, xsdt.Address));
        return new AcpiTables
        {
            Source = "qemu 7.2 hw/i386/acpi-microvm.c, hw/acpi/aml-build.c, hw/i386/acpi-common.c; installed by qboot",
            Tables = [rsdp, dsdt, fadt, madt, xsdt],
        };
    }

    private static SdtHeader Header(string signature, byte revision) =>
        new(signature, revision, OemId, OemTableId, 1, CreatorId, 1);

    /// <summary>
    /// The DSDT's AML in build_dsdt_microvm's order: <c>\_SB</c> with fw_cfg (hw/i386/fw_cfg.c fw_cfg_add_acpi_dsdt), the
    /// ISA bus's devices (qbus_build_aml: COM1, hw/char/serial-isa.c serial_isa_build_aml; the RTC,
    /// hw/rtc/mc146818rtc.c rtc_build_aml), the GED (hw/acpi/generic_event_device.c build_ged_aml), the power button
    /// (acpi_dsdt_add_power_button); then <c>\_S5</c> (ACPI_GED_SLP_TYP_S5). Integers as aml_int writes them: ZeroOp,
    /// OneOp, else the smallest constant (<see cref="Aml.CompactInteger"/>).
    /// </summary>
    public static byte[] DefinitionBlock() =>
    [
        .. Aml.Scope("_SB_",
            // fw_cfg_add_acpi_dsdt: the I/O-port interface at FW_CFG_IO_BASE 0x510, 0x0C ports with DMA; _STA 0x0B.
            Aml.Device("FWCF",
                Aml.Name("_HID", Aml.String("QEMU0002")),
                Aml.Name("_STA", Aml.CompactInteger(0x0B)),
                Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x510, 0x510, 1, 0x0C)))),
            // serial_isa_build_aml: _UID is the port index + 1, alignment 0, 8 ports, IRQNoFlags.
            Aml.Device("COM1",
                Aml.Name("_HID", Aml.EisaId("PNP0501")),
                Aml.Name("_UID", Aml.CompactInteger(1)),
                Aml.Name("_STA", Aml.CompactInteger(0x0F)),
                Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x3F8, 0x3F8, 0, 8), AmlResource.IrqNoFlags(4)))),
            // rtc_build_aml: RTC_ISA_BASE 0x70, 8 ports, RTC_ISA_IRQ 8.
            Aml.Device("RTC_",
                Aml.Name("_HID", Aml.EisaId("PNP0B00")),
                Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x70, 0x70, 1, 8), AmlResource.IrqNoFlags(8)))),
            // build_ged_aml: ACPI0013, _UID "GED", its interrupt (edge, active high, exclusive), the event selector
            // register ESEL (ACPI_GED_EVT_SEL_LEN 4 bytes, DWordAcc, WriteAsZeros) and _EVT notifying the power button
            // for ACPI_GED_PWR_DOWN_EVT (bit 1), the only event microvm enables (microvm.c: ged-event).
            Aml.Device("GED_",
                Aml.Name("_HID", Aml.String("ACPI0013")),
                Aml.Name("_UID", Aml.String("GED")),
                Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Interrupt(true, true, false, false, GedIrq))),
                AmlField.OperationRegion("EREG", 0, GedMmioBase, 4),
                AmlField.Field("EREG", AmlField.Access.DWord, false, AmlField.Update.WriteAsZeros, AmlField.Entry.Named("ESEL", 32)),
                Aml.Method("_EVT", 1, true,
                    Aml.Store(Aml.Path("ESEL"), Aml.Local(0)),
                    Aml.If(Aml.LEqual(Aml.And(Aml.Local(0), Aml.CompactInteger(2), [0x00]), Aml.CompactInteger(2)),
                        Aml.Notify("PWRB", Aml.CompactInteger(0x80))))),
            // acpi_dsdt_add_power_button.
            Aml.Device("PWRB",
                Aml.Name("_HID", Aml.String("PNP0C0C")),
                Aml.Name("_UID", Aml.CompactInteger(0)))),
        // ACPI 5.0 Table 7-209 System State Package: SLP_TYP ACPI_GED_SLP_TYP_S5 (5), then three zeros.
        .. Aml.Scope("\\",
            Aml.Name("_S5_", Aml.Package(Aml.CompactInteger(5), Aml.CompactInteger(0), Aml.CompactInteger(0), Aml.CompactInteger(0)))),
    ];
}
