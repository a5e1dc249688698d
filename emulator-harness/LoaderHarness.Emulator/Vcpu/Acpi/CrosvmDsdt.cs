namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The DSDT definition block crosvm (commit f1e797a6) builds in x86_64/src/lib.rs <c>setup_acpi_devices</c> for a default
/// <c>crosvm run</c> (no battery, no <c>--force-s2idle</c> so no virtual PMC, no PCI devices) with RAM ending below 4 GiB, on a
/// host with the harness CPU's 40 physical address bits (CPUID 0x80000008, which crosvm's hypervisor/src/x86_64.rs
/// <c>host_phys_addr_bits</c> reads for the guest's): VCFG, the ACPI PM block's <c>_S1_</c> and <c>_S5_</c>, the PCI root
/// <c>PC00</c> with its <c>_CRS</c>, <c>_OSC</c> and empty <c>_PRT</c>, and <c>MB00</c> reserving the ECAM. Integers as crosvm's
/// acpi_tables aml.rs writes them: ZeroOp, OneOp, else the smallest constant (<see cref="Aml.CompactInteger"/>).
/// </summary>
public static class CrosvmDsdt
{
    /// <summary>
    /// lib.rs create_arch_memory_layout without <c>--pci</c>: the ECAM is DEFAULT_PCIE_CFG_MMIO_START = 4 GiB −
    /// RESERVED_MEM_SIZE 0x800_0000 − DEFAULT_PCIE_CFG_MMIO_SIZE 0x400_0000.
    /// </summary>
    public const uint PcieConfigMmio = 0xF400_0000;
    /// <summary>lib.rs DEFAULT_PCIE_CFG_MMIO_SIZE: 64 MiB, one MiB per bus.</summary>
    public const uint PcieConfigMmioSize = 0x400_0000;
    /// <summary>lib.rs build_vm: <c>max_bus = pcie_cfg_mmio_len / 0x100000 - 1</c>.</summary>
    public const byte MaxBus = (byte)(PcieConfigMmioSize / 0x10_0000 - 1);
    /// <summary>
    /// lib.rs get_pcie_vcfg_mmio_range: the virtual config space starts at RAM's end rounded up to 2 MiB or at 4 GiB,
    /// whichever is greater (4 GiB while RAM ends below it), and is twice the ECAM's size.
    /// </summary>
    public const ulong PcieVirtualConfig = 0x1_0000_0000;
    /// <summary>
    /// The low MMIO pool (lib.rs get_system_allocator_config <c>low_mmio</c> = create_arch_memory_layout's
    /// pci_mmio_before_32bit): from min(ECAM start, 4 GiB − MEM_32BIT_GAP_SIZE 768 MiB) to DEFAULT_PCI_MEM_END = 4 GiB −
    /// RESERVED_MEM_SIZE − 1. resources system_allocator.rs <c>mmio_pools</c> reports the pool as created, with the ECAM
    /// reserved inside it.
    /// </summary>
    public const uint LowMmioStart = 0xD000_0000, LowMmioEnd = 0xF7FF_FFFF;
    /// <summary>lib.rs get_high_mmio_range: from the end of the virtual config space + 1.</summary>
    public const ulong HighMmioStart = PcieVirtualConfig + 2UL * PcieConfigMmioSize;
    /// <summary>
    /// get_high_mmio_range: to min(2^phys_bits − 1, HIGH_MMIO_MAX_END 2^46 − 1), with the 40 bits the harness CPU
    /// reports (host_phys_addr_bits; no pstore, so nothing is reserved from the pool's start).
    /// </summary>
    public const ulong HighMmioEnd = (1UL << 40) - 1;

    /// <summary>lib.rs <c>OSC_STATUS_UNSUPPORT_UUID</c>: CDW1's "unrecognized UUID" bit.</summary>
    public const uint OscStatusUnsupportedUuid = 0x4;
    /// <summary>lib.rs PciRootOSC's mask: <c>!(PCI_HB_OSC_CONTROL_SHPC_HP 0x2 | PCI_HB_OSC_CONTROL_PCIE_AER 0x8)</c>.</summary>
    public const uint OscControlMask = ~(0x2u | 0x8u);
    /// <summary>lib.rs PciRootOSC: the PCI host bridge _OSC UUID (PCI Firmware Specification 3.2 §4.5.1).</summary>
    public const string PciHostBridgeOscUuid = "33DB4D5B-1FF7-401C-9657-7441C03DD766";

    /// <summary>The definition block, in the order setup_acpi_devices appends to <c>amls</c>.</summary>
    public static byte[] DefinitionBlock() =>
    [
        // setup_acpi_devices: aml::Name::new("VCFG", &pcie_vcfg_range.start), a u64.
        .. Aml.Name("VCFG", Aml.CompactInteger(PcieVirtualConfig)),
        // devices/src/acpi.rs impl Aml for ACPIPMResource: _S1_ {1, 1, 0, 0} (SLEEP_TYPE_S1 = 1 << 10 in PM1_CNT) and
        // _S5_ {0, 0, 0, 0} (SLEEP_TYPE_S5 = 0).
        .. Aml.Name("_S1_", Aml.Package([0x01], [0x01], [0x00], [0x00])),
        .. Aml.Name("_S5_", Aml.Package([0x00], [0x00], [0x00], [0x00])),
        .. Aml.Device("_SB_.PC00",
            Aml.Name("_HID", Aml.EisaId("PNP0A08")),
            Aml.Name("_CID", Aml.EisaId("PNP0A03")),
            Aml.Name("_ADR", [0x00]),
            Aml.Name("_SEG", [0x00]),
            Aml.Name("_UID", [0x00]),
            Aml.Name("SUPP", [0x00]),
            // crs_entries: WordBusNumber 0..max_bus, IO(0xCF8, 0xCF8, 1, 8), then each MMIO pool, a DWordMemory when both
            // ends fit 32 bits, else a QWordMemory (AddressSpaceCachable::NotCacheable, read-write).
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.WordBusNumber(0, MaxBus),
                AmlResource.Io(0xCF8, 0xCF8, 1, 8),
                AmlResource.DWordMemory(0, true, LowMmioStart, LowMmioEnd),
                AmlResource.QWordMemory(0, true, HighMmioStart, HighMmioEnd))),
            Osc(),
            // _PRT: one package per PCI IRQ; none without PCI devices.
            Aml.Name("_PRT", Aml.Package())),
        // setup_acpi_devices: MB00 (PNP0C02, motherboard resources) reserves the ECAM with a Memory32Fixed, read-write.
        .. Aml.Device("_SB_.MB00",
            Aml.Name("_HID", Aml.EisaId("PNP0C02")),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Memory32Fixed(true, PcieConfigMmio, PcieConfigMmioSize)))),
    ];

    /// <summary>
    /// lib.rs <c>impl Aml for PciRootOSC</c>: Method(_OSC, 4, NotSerialized) { CreateDWordField(Arg3, Zero, CDW1);
    /// If (Arg0 == ToUUID(…)) { CreateDWordField(Arg3, 8, CDW3); If (Zero == (CDW1 &amp; One)) { CDW3 = mask &amp; CDW3 } }
    /// Else { CDW1 = CDW1 | OSC_STATUS_UNSUPPORT_UUID }; Return(Arg3) }. aml.rs's binary operators take
    /// (target, a, b) and write a, b, target; the If's <c>And</c> targets Zero (no store).
    /// </summary>
    public static byte[] Osc() =>
        Aml.Method("_OSC", 4, false,
            Aml.CreateDWordField(Aml.Arg(3), [0x00], "CDW1"),
            Aml.If(Aml.LEqual(Aml.Arg(0), Aml.ToUuid(PciHostBridgeOscUuid)),
                Aml.CreateDWordField(Aml.Arg(3), Aml.Byte(8), "CDW3"),
                Aml.If(Aml.LEqual([0x00], Aml.And(Aml.Path("CDW1"), [0x01], [0x00])),
                    Aml.And(Aml.CompactInteger(OscControlMask), Aml.Path("CDW3"), Aml.Path("CDW3")))),
            Aml.Else(Aml.Or(Aml.CompactInteger(OscStatusUnsupportedUuid), Aml.Path("CDW1"), Aml.Path("CDW1"))),
            Aml.Return(Aml.Arg(3)));
}
