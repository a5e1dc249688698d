namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// QEMU 7.2's <c>-M pc</c> DSDT (hw/i386/acpi-build.c <c>build_dsdt</c>, PIIX4 branch, one vCPU, PCI hotplug on the root
/// bus as the pc-i440fx-7.2 machine has it by default), object for object in build_dsdt's order and encoded as QEMU's
/// hw/acpi/aml-build.c writes each term, so the table is QEMU's byte for byte: the debug method DBUG
/// (<c>build_dbg_aml</c>), the PCI root <c>\_SB.PCI0</c>, the PCI hotplug registers and methods
/// (<see cref="QemuPcPciHotplugAml"/>), the PCI interrupt routing (<see cref="QemuPcPciInterruptAml"/>), the HPET device,
/// the GPE block device, the CPU hotplug AML (<see cref="QemuPcCpuHotplugAml"/>), PCI0's <c>_CRS</c> with the GPE0 and
/// PHPR resource devices, the sleep-state packages, the fw_cfg device, bus 0's slot devices with the PIIX3 ISA bridge
/// <c>S08</c> and its ISA devices (i8042 keyboard and mouse, the floppy controller, COM1, the RTC), and the PCI hotplug GPE
/// handler <c>\_GPE._E01</c>.
/// </summary>
public static class QemuPcDsdt
{
    /// <summary>include/hw/timer/hpet.h HPET_BASE; hw/i386/acpi-build.c HPET_LEN 0x400.</summary>
    public const uint HpetBase = 0xFED0_0000, HpetLength = 0x400;
    /// <summary>hw/acpi/piix4.c GPE_BASE 0xAFE0 and GPE_LEN 4, which acpi_get_pm_info reads back as <c>gpe0_blk</c> / <c>gpe0_blk_len</c>.</summary>
    public const ushort Gpe0Port = 0xAFE0;

    /// <summary>
    /// The definition block for a guest whose RAM below 4 GiB ends at <paramref name="belowFourGiB"/> and whose 64-bit PCI
    /// window is <paramref name="pciHole64"/> (its first and last address; null for none).
    /// </summary>
    public static byte[] DefinitionBlock(uint belowFourGiB, (ulong Start, ulong End)? pciHole64)
    {
        var o = Objects(belowFourGiB, pciHole64);
        return
        [
            .. DebugMethod(),
            .. o["PCI0"],
            .. QemuPcPciHotplugAml.Registers(),
            .. QemuPcPciInterruptAml.Scope(),
            .. o["HPET"], .. o["_GPE"],
            // build_cpus_aml: the boot CPU's _MAT is its MADT entry (hw/i386/acpi-common.c pc_madt_cpu_entry: UID 0,
            // APIC ID 0, enabled).
            .. QemuPcCpuHotplugAml.Build(Madt.LocalApic(0, 0, 1)),
            .. Aml.Scope("\\_SB_.PCI0", o["_CRS"], o["GPE0"], QemuPcPciHotplugAml.ResourceDevice()),
            .. o["\\"], .. o["FWCF"],
            // build_append_pci_bus_devices for bus 0; the PIIX3 ISA bridge's AML (hw/isa/piix3.c build_pci_isa_aml: the
            // PIRQ route registers, then qbus_build_aml over the ISA bus's devices).
            .. QemuPcPciHotplugAml.BusDevices([.. QemuPcPciInterruptAml.PirqRouteRegisters(), o["KBD_"], o["MOU_"], o["FDC0"], o["COM1"], o["RTC_"]]),
            .. QemuPcPciHotplugAml.GpeHandler(),
        ];
    }

    /// <summary>
    /// build_dbg_aml: Scope(\) { the debug port 0x402 as a byte field DBGB, Method(DBUG, 1) writing its argument there as
    /// hex text and a newline }.
    /// </summary>
    private static byte[] DebugMethod()
    {
        byte[] text = Aml.Local(0), last = Aml.Local(1), i = Aml.Local(2);
        return Aml.Scope("\\",
            AmlField.OperationRegion("DBG_", AmlField.SystemIo, 0x0402, 1),
            AmlField.Field("DBG_", AmlField.Access.Byte, false, AmlField.Update.Preserve, AmlField.Entry.Named("DBGB", 8)),
            Aml.Method("DBUG", 1, false,
                Aml.ToHexString(Aml.Arg(0), text),
                Aml.ToBuffer(text, text),
                Aml.Subtract(Aml.SizeOf(text), Aml.CompactInteger(1), last),
                Aml.Store(Aml.CompactInteger(0), i),
                Aml.While(Aml.LLess(i, last),
                    Aml.Store(Aml.DerefOf(Aml.Index(text, i)), Aml.Path("DBGB")),
                    Aml.Increment(i)),
                Aml.Store(Aml.CompactInteger(0x0A), Aml.Path("DBGB"))));
    }

    /// <summary>
    /// The objects of <see cref="DefinitionBlock"/> that are complete in QEMU's DSDT too (each appears there byte for byte),
    /// by name: the scopes with PCI0, HPET, _GPE, the sleep states (<c>\</c>) and FWCF; PCI0's _CRS and GPE0; the ISA devices.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Objects(uint belowFourGiB, (ulong Start, ulong End)? pciHole64) => new Dictionary<string, byte[]>
    {
        // build_dsdt: Scope(\_SB) { Device(PCI0) { _HID PNP0A03, _ADR 0, _UID pci_root_uid 0 } }.
        ["PCI0"] = Aml.Scope("_SB_", Aml.Device("PCI0",
            Aml.Name("_HID", Aml.EisaId("PNP0A03")),
            Aml.Name("_ADR", Aml.CompactInteger(0)),
            Aml.Name("_UID", Aml.CompactInteger(0)))),
        // build_dsdt: if misc->has_hpet, build_hpet_aml in Scope(\_SB).
        ["HPET"] = Aml.Scope("_SB_", Hpet()),
        // build_dsdt (PIIX4): Scope(\_GPE) { Name(_HID, "ACPI0006") }.
        ["_GPE"] = Aml.Scope("_GPE", Aml.Name("_HID", Aml.String("ACPI0006"))),
        // build_dsdt: Scope(\_SB.PCI0) { _CRS (build_crs for the root bus), then "reserve GPE0 block resources": GPE0 on pm->gpe0_blk }.
        ["_CRS"] = Aml.Name("_CRS", RootResources(belowFourGiB, pciHole64)),
        ["GPE0"] = Aml.Device("GPE0",
            Aml.Name("_HID", Aml.String("PNP0A06")),
            Aml.Name("_UID", Aml.String("GPE0 resources")),
            Aml.Name("_STA", Aml.CompactInteger(0x0B)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(Gpe0Port, Gpe0Port, 1, 4)))),
        // build_dsdt: Scope(\) { _S3_ (1, 1, 0, 0) unless s3 disabled, _S4_ (s4_val 2, 2, 0, 0), _S5_ (0, 0, 0, 0) }: the
        // SLP_TYP values PIIX4's PM1a_CNT decodes (hw/acpi/core.c acpi_pm1_cnt_write: type 0 is soft-off).
        ["\\"] = Aml.Scope("\\",
            Aml.Name("_S3_", SleepPackage(1)),
            Aml.Name("_S4_", SleepPackage(2)),
            Aml.Name("_S5_", SleepPackage(0))),
        // hw/i386/fw_cfg.c fw_cfg_add_acpi_dsdt: FW_CFG_IO_BASE 0x510, 0x0C ports with DMA.
        ["FWCF"] = Aml.Scope("\\_SB_.PCI0", Aml.Device("FWCF",
            Aml.Name("_HID", Aml.String("QEMU0002")),
            Aml.Name("_STA", Aml.CompactInteger(0x0B)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x510, 0x510, 1, 0x0C))))),
        // hw/input/pckbd.c i8042_build_aml: the keyboard at 0x60 and 0x64 on IRQ 1, the mouse on IRQ 12.
        ["KBD_"] = Aml.Device("KBD_",
            Aml.Name("_HID", Aml.EisaId("PNP0303")),
            Aml.Name("_STA", Aml.CompactInteger(0x0F)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x60, 0x60, 1, 1), AmlResource.Io(0x64, 0x64, 1, 1), AmlResource.IrqNoFlags(1)))),
        ["MOU_"] = Aml.Device("MOU_",
            Aml.Name("_HID", Aml.EisaId("PNP0F13")),
            Aml.Name("_STA", Aml.CompactInteger(0x0F)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.IrqNoFlags(12)))),
        // hw/block/fdc-isa.c fdc_isa_build_aml: ports 0x3F2 (4) and 0x3F7 (1), IRQ 6, DMA channel 2 (Compatibility,
        // NotBusMaster, Transfer8: flags 0); _FDE: four drive-present words (no drives) and the tape word 2 ("not present").
        ["FDC0"] = Aml.Device("FDC0",
            Aml.Name("_HID", Aml.EisaId("PNP0700")),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x3F2, 0x3F2, 0, 4), AmlResource.Io(0x3F7, 0x3F7, 0, 1),
                AmlResource.IrqNoFlags(6), AmlResource.Dma(2, 0))),
            Aml.Name("_FDE", Aml.Buffer([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]))),
        // hw/char/serial-isa.c serial_isa_build_aml.
        ["COM1"] = Aml.Device("COM1",
            Aml.Name("_HID", Aml.EisaId("PNP0501")),
            Aml.Name("_UID", Aml.CompactInteger(1)),
            Aml.Name("_STA", Aml.CompactInteger(0x0F)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x3F8, 0x3F8, 0, 8), AmlResource.IrqNoFlags(4)))),
        // hw/rtc/mc146818rtc.c rtc_build_aml.
        ["RTC_"] = Aml.Device("RTC_",
            Aml.Name("_HID", Aml.EisaId("PNP0B00")),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(0x70, 0x70, 1, 8), AmlResource.IrqNoFlags(8)))),
    };

    /// <summary>hw/i386/acpi-build.c build_hpet_aml: _STA reads the capabilities' vendor ID and the period.</summary>
    private static byte[] Hpet()
    {
        byte[] id = Aml.Local(0), period = Aml.Local(1), zero = Aml.CompactInteger(0);
        return Aml.Device("HPET",
            Aml.Name("_HID", Aml.EisaId("PNP0103")),
            Aml.Name("_UID", zero),
            AmlField.OperationRegion("HPTM", AmlField.SystemMemory, HpetBase, HpetLength),
            AmlField.Field("HPTM", AmlField.Access.DWord, true, AmlField.Update.Preserve,
                AmlField.Entry.Named("VEND", 32), AmlField.Entry.Named("PRD_", 32)),
            Aml.Method("_STA", 0, false,
                Aml.Store(Aml.Path("VEND"), id),
                Aml.Store(Aml.Path("PRD_"), period),
                Aml.ShiftRight(id, Aml.CompactInteger(16), id),
                Aml.If(Aml.LOr(Aml.LEqual(id, zero), Aml.LEqual(id, Aml.CompactInteger(0xFFFF))), Aml.Return(zero)),
                // HPET spec 1.0a §2.3.9.1 COUNTER_CLK_PERIOD: at most 0x05F5E100 fs (100 ns).
                Aml.If(Aml.LOr(Aml.LEqual(period, zero), Aml.LGreater(period, Aml.CompactInteger(100_000_000))), Aml.Return(zero)),
                Aml.Return(Aml.CompactInteger(0x0F))),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Memory32Fixed(false, HpetBase, HpetLength))));
    }

    /// <summary>
    /// build_crs for PCI0 as build_dsdt extends it: bus numbers 0–0xFF, the config ports 0xCF8–0xCFF, the I/O below and
    /// above them, the VGA window 0xA0000–0xBFFFF, the 32-bit hole from the end of low RAM to below the I/O APIC
    /// (IO_APIC_DEFAULT_ADDRESS − 1), and the 64-bit hole (i440fx pci_hole64).
    /// </summary>
    private static byte[] RootResources(uint belowFourGiB, (ulong Start, ulong End)? pciHole64)
    {
        List<byte[]> resources =
        [
            AmlResource.WordBusNumber(0, 0xFF),
            AmlResource.Io(0xCF8, 0xCF8, 1, 8),
            AmlResource.WordIo(0, 0xCF7),
            AmlResource.WordIo(0xD00, 0xFFFF),
            // aml_dword_memory(..., AML_CACHEABLE, AML_READ_WRITE, 0, 0x000A0000, 0x000BFFFF, 0, 0x00020000).
            AmlResource.DWordMemory(1, true, 0xA_0000, 0xB_FFFF),
            // the PCI hole: AML_NON_CACHEABLE.
            AmlResource.DWordMemory(0, true, belowFourGiB, ApicAddresses.IoApic - 1),
        ];
        if (pciHole64 is { } hole)
            resources.Add(AmlResource.QWordMemory(1, true, hole.Start, hole.End));
        return Aml.ResourceTemplate([.. resources]);
    }

    /// <summary>The sleep package build_dsdt writes: SLP_TYPa, SLP_TYPb, then two reserved zeros.</summary>
    private static byte[] SleepPackage(byte type) =>
        Aml.Package(Aml.CompactInteger(type), Aml.CompactInteger(type), Aml.CompactInteger(0), Aml.CompactInteger(0));
}
