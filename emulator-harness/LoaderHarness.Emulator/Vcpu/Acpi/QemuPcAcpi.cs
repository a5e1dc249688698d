using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI tables QEMU 7.2 builds for <c>-M pc</c> (i440FX + PIIX3/PIIX4 PM, one vCPU, TCG, <c>-nodefaults</c> plus one
/// serial port) and SeaBIOS 1.16 installs from fw_cfg's <c>etc/table-loader</c>: hw/i386/acpi-build.c <c>acpi_build</c>
/// (FACS, DSDT, FACP, APIC, HPET, WAET, RSDT packed in that order into <c>etc/acpi/tables</c>, then the RSDP in
/// <c>etc/acpi/rsdp</c>), hw/acpi/aml-build.c <c>build_fadt</c>, <c>build_rsdt</c>, <c>build_rsdp</c>, hw/i386/acpi-common.c
/// <c>acpi_build_madt</c>, hw/acpi/hpet or acpi-build.c <c>build_hpet</c>, <c>build_waet</c>.
/// </summary>
/// <remarks>
/// Placement: acpi_build pads the tables blob to ACPI_BUILD_TABLE_SIZE (0x20000) and asks for it 64-aligned in the high
/// zone; SeaBIOS's romfile_loader allocates it there, which is its whole 128 KiB high-table area at the top of the RAM
/// below 4 GiB (src/malloc.c malloc_preinit, BUILD_MAX_HIGHTABLE; <see cref="QemuPcMemoryMap"/>), so the FACS opens
/// that area. The RSDP (F-segment zone) lands at 0xF59D0 in Debian's SeaBIOS 1.16.2 bios-256k.bin (0xF59B0 with RAM above
/// 4 GiB, <see cref="Rsdp"/>), read back from live guests; through the 16-bit entry nothing sets <c>boot_params.acpi_rsdp_addr</c> and the kernel finds it by scanning
/// 0xE0000–0xFFFFF (drivers/acpi/acpica/tbxfroot.c acpi_find_root_pointer).
/// Every table, the DSDT (<see cref="QemuPcDsdt"/>) included, is QEMU's byte for byte and at a live guest's address.
/// </remarks>
public static class QemuPcAcpi
{
    /// <summary>include/hw/acpi/aml-build.h ACPI_BUILD_APPNAME6: every table's and the RSDP's OEM ID.</summary>
    public const string OemId = "BOCHS ";
    /// <summary>ACPI_BUILD_APPNAME8: every table's OEM table ID.</summary>
    public const string OemTableId = "BXPC    ";
    /// <summary>hw/acpi/aml-build.c acpi_table_begin: creator ID ACPI_BUILD_APPNAME4.</summary>
    public const string CreatorId = "BXPC";

    /// <summary>Where SeaBIOS 1.16.2 (Debian 12's bios-256k.bin) puts the RSDP in its F-segment zone with no RAM above 4 GiB.</summary>
    public const ulong RsdpAddress = 0xF_59D0;
    /// <summary>SeaBIOS's MP floating pointer (its first F-segment allocation that stays put for one vCPU).</summary>
    public const ulong MpFloatingPointer = 0xF_5BA0;

    /// <summary>hw/acpi/piix4.c / include/hw/southbridge/piix.h: the PM I/O base SeaBIOS programs (PORT_ACPI_PM_BASE 0x600).</summary>
    public const ushort PmBase = 0x600;
    /// <summary>PIIX4 PM register block: PM1a_EVT at +0 (4), PM1a_CNT at +4 (2), PM_TMR at +8 (4) (hw/acpi/piix4.c piix4_pm_realize, hw/acpi/core.c).</summary>
    public const ushort Pm1aEvent = PmBase, Pm1aControl = PmBase + 4, PmTimer = PmBase + 8;
    /// <summary>hw/isa/apm.c APM_CNT_IOPORT 0xB2: the SMI command port; hw/acpi/piix4.c apm_ctrl_changed takes ACPI_ENABLE / ACPI_DISABLE there.</summary>
    public const ushort SmiCommand = 0xB2;
    /// <summary>include/hw/acpi/acpi.h ACPI_ENABLE 0xF1, ACPI_DISABLE 0xF0.</summary>
    public const byte AcpiEnable = 0xF1, AcpiDisable = 0xF0;
    /// <summary>hw/i386/acpi-build.c: the SCI on ISA IRQ 9 (PIIX4 PM's interrupt line, hw/acpi/piix4.c).</summary>
    public const ushort SciIrq = 9;
    /// <summary>hw/timer/hpet.c: the capabilities' low word QEMU's HPET reports and build_hpet copies (0x8086A201).</summary>
    public const uint HpetBlockId = 0x8086_A201;

    /// <summary>The size of the blob acpi_build pads to (ACPI_BUILD_TABLE_SIZE), which SeaBIOS's high zone holds.</summary>
    public const ulong BlobSize = 0x2_0000;

    private const ulong FourGiB = 1UL << 32;
    private const ulong OneGiB = 1UL << 30;

    /// <summary>The tables for a guest with <paramref name="memory"/>'s RAM (the blob goes to the top of the RAM below 4 GiB).</summary>
    public static AcpiTables For(GuestMemory memory)
    {
        var lowTop = memory.Regions.Where(r => r.End <= FourGiB).Select(r => r.End).DefaultIfEmpty(0UL).Max();
        var aboveFourGiB = memory.Regions.Where(r => r.End > FourGiB).Sum(r => (decimal)(r.End - Math.Max(r.Start, FourGiB)));
        // hw/i386/pc.c pc_pci_hole64_start: ROUND_UP(end of above-4G RAM, 1 GiB); i440fx_pcihost_get_pci_hole64_end adds
        // the pci-hole64-size, DEFAULT_PCI_HOLE64_SIZE 2 GiB.
        var hole64Start = (FourGiB + (ulong)aboveFourGiB + OneGiB - 1) & ~(OneGiB - 1);
        return Build(lowTop - BlobSize, (uint)lowTop, (hole64Start, hole64Start + 2 * OneGiB - 1), Rsdp(memory));
    }

    /// <summary>
    /// The RSDP's F-segment address: SeaBIOS allocates the F-segment downwards (src/malloc.c malloc_fseg, 16-aligned): the MP
    /// table and its floating pointer first (down to <see cref="MpFloatingPointer"/>), then QEMU's SMBIOS structures and
    /// their 31-byte entry point (<see cref="Smbios.QemuPcSmbios"/>), then the 20-byte RSDP (src/fw/romfile_loader.c, the
    /// RSDP's F-segment zone). Live guests put it at 0xF59D0 with 128 MiB to 3 GiB and at 0xF59B0 with 4 to 8 GiB, where
    /// RAM above 4 GiB adds a memory array mapped address structure.
    /// </summary>
    public static ulong Rsdp(GuestMemory memory) => (Smbios.QemuPcSmbios.For(memory, default).Address - Acpi.Rsdp.Revision0Size) & ~15UL;

    /// <summary>The tables with the blob at <paramref name="tablesAddress"/>, RAM below 4 GiB ending at <paramref name="belowFourGiB"/>.</summary>
    public static AcpiTables Build(ulong tablesAddress, uint belowFourGiB, (ulong Start, ulong End)? pciHole64, ulong rsdpAddress = RsdpAddress)
    {
        var next = tablesAddress;
        AcpiTable Allocate(byte[] bytes, ulong alignment = 1)
        {
            next = (next + alignment - 1) & ~(alignment - 1);
            var table = new AcpiTable(next, bytes);
            next += (ulong)bytes.Length;
            return table;
        }

        // build_facs: 64 bytes, 64-aligned ("FACS is required to be 64-byte aligned", ACPI 6.5 §5.2.10), version 0.
        var facs = Allocate(Facs.Build(0), 64);
        // build_dsdt: revision 1 (ACPI 1.0 AML, 32-bit integers).
        var dsdt = Allocate(Dsdt.Build(Header("DSDT", 1), QemuPcDsdt.DefinitionBlock(belowFourGiB, pciHole64)));
        // acpi_get_pm_info + build_fadt for PIIX4 (rev 1, ACPI 1.0's 116 bytes): INT_MODEL 1, SCI 9, SMI_CMD 0xB2 with
        // ACPI_ENABLE/ACPI_DISABLE, PM1a_EVT 0x600 (4), PM1a_CNT 0x604 (2), PM_TMR 0x608 (4), GPE0 0xAFE0 (4), C2/C3
        // latencies 0xFFF (not supported), CENTURY 0x32 (RTC_CENTURY), flags WBINVD | PROC_C1 | SLP_BUTTON | RTC_S4 |
        // USE_PLATFORM_CLOCK (plus FORCE_APIC_CLUSTER_MODEL only beyond 8 CPUs).
        var fadt = Allocate(new Fadt
        {
            Header = Header("FACP", 1),
            FirmwareControl = (uint)facs.Address,
            Dsdt = (uint)dsdt.Address,
            InterruptModel = 1,
            SciInterrupt = SciIrq,
            SmiCommand = SmiCommand,
            AcpiEnable = AcpiEnable,
            AcpiDisable = AcpiDisable,
            Pm1aEventBlock = Pm1aEvent,
            Pm1aControlBlock = Pm1aControl,
            PmTimerBlock = PmTimer,
            Gpe0Block = QemuPcDsdt.Gpe0Port,
            Pm1EventLength = 4,
            Pm1ControlLength = 2,
            PmTimerLength = 4,
            Gpe0BlockLength = 4,
            Level2Latency = 0xFFF,
            Level3Latency = 0xFFF,
            Century = 0x32,
            Flags = Fadt.Wbinvd | Fadt.ProcessorC1 | Fadt.SleepButton | Fadt.RtcS4 | Fadt.UsePlatformClock,
        }.Build());
        // acpi_build_madt: revision 1, PCAT_COMPAT; the CPU's local APIC; the I/O APIC (ID 0, GSI 0); with
        // apic_xrupt_override the ISA IRQ 0 → GSI 2 override (flags 0), then the PCI link IRQs 5, 9, 10, 11 active high,
        // level triggered (flags 0x0D: polarity 01, trigger 11); the local APIC NMI on LINT1 of all processors.
        const ushort activeHighLevel = 0x0D;
        var madt = Allocate(Madt.Build(Header("APIC", 1), ApicAddresses.LocalApic, Madt.PcatCompat,
        [
            Madt.LocalApic(0, 0, 1),
            Madt.IoApic(0, ApicAddresses.IoApic, ApicAddresses.IoApicGsiBase),
            Madt.InterruptSourceOverride(0, 2, 0),
            Madt.InterruptSourceOverride(5, 5, activeHighLevel),
            Madt.InterruptSourceOverride(9, 9, activeHighLevel),
            Madt.InterruptSourceOverride(10, 10, activeHighLevel),
            Madt.InterruptSourceOverride(11, 11, activeHighLevel),
            Madt.LocalApicNmi(0xFF, 0, 1),
        ]));
        // build_hpet: the block ID, the base as a system-memory GAS with zero width/offset/access size, HPET number 0.
        var hpet = Allocate(HpetTable.Build(Header("HPET", 1), HpetBlockId, new GenericAddress(0, 0, 0, 0, QemuPcDsdt.HpetBase)));
        // build_waet: ACPI_WAET_PM_TIMER_GOOD.
        var waet = Allocate(Waet.Build(Header("WAET", 1), Waet.PmTimerGood));
        // build_rsdt: revision 1, the tables acpi_add_table recorded (the FACS and DSDT are reached through the FADT).
        var rsdt = Allocate(Rsdt.Build(Header("RSDT", 1), [(uint)fadt.Address, (uint)madt.Address, (uint)hpet.Address, (uint)waet.Address]));
        // build_rsdp: revision 0 for the pc machine's ACPI 1.0 tables, RSDT only.
        var rsdp = new AcpiTable(rsdpAddress, Acpi.Rsdp.BuildRevision0(OemId, (uint)rsdt.Address));
        return new AcpiTables
        {
            Source = "qemu 7.2 hw/i386/acpi-build.c, hw/acpi/aml-build.c, hw/i386/acpi-common.c; installed by SeaBIOS 1.16",
            // The kernel's listing order (tbutils.c acpi_tb_parse_root_table, then the FADT's DSDT and FACS).
            Tables = [rsdp, rsdt, fadt, dsdt, facs, madt, hpet, waet],
        };
    }

    private static SdtHeader Header(string signature, byte revision) =>
        new(signature, revision, OemId, OemTableId, 1, CreatorId, 1);
}
