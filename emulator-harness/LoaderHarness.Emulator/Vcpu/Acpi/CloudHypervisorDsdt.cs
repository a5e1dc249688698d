using static LoaderHarness.Emulator.Vcpu.Acpi.CloudHypervisorPlatformDevices;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// Cloud Hypervisor v53.0's DSDT definition block for an x86_64 guest with one vCPU, the serial port on and no
/// optional devices: vmm/src/acpi.rs <c>create_dsdt_table</c> appends <c>impl Aml for DeviceManager</c>
/// (device_manager.rs: _SB_.PHPR, the PCI segment _SB_.PC00, _SB_.MBRD, _SB_.COM1, _S5_, _SB_.PWRB, then the GED's
/// devices/src/acpi.rs <c>impl Aml for AcpiGedDevice</c>: _SB_.GEC_, _SB_.GED_), then <c>impl Aml for CpuManager</c>
/// (cpu.rs: _SB_.PRES, _SB_.CPUS) and <c>impl Aml for MemoryManager</c> (memory_manager.rs: _SB_.MHPC), each
/// encoded as acpi_tables 0.2.1 src/aml.rs does. Addresses and the GED's IRQ are <see cref="CloudHypervisorPlatformDevices"/>'.
/// </summary>
public static class CloudHypervisorDsdt
{
    /// <summary>The whole definition block for <paramref name="vcpus"/> vCPUs (max_vcpus = boot_vcpus), in create_dsdt_table's order.</summary>
    public static byte[] DefinitionBlock(int vcpus = 1) =>
    [
        .. PciHotplugController(),
        .. CloudHypervisorPciSegmentAml.Build(),
        // The motherboard resources: each PCI segment's ECAM window, 32-bit fixed, read/write.
        .. Aml.Device("_SB_.MBRD",
            Aml.Name("_HID", Aml.EisaId("PNP0C02")),
            Aml.Name("_UID", Aml.CompactInteger(0)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Memory32Fixed(true, (uint)CloudHypervisorAcpi.PciMmconfigStart, CloudHypervisorAcpi.PciMmioConfigSizePerSegment)))),
        // COM1 (the serial port is not off): Interrupt(consumer, edge, active high, exclusive, 4), IO(0x3F8, 0x3F8, alignment 0, 8).
        .. Aml.Device("_SB_.COM1",
            Aml.Name("_HID", Aml.EisaId("PNP0501")),
            Aml.Name("_UID", Aml.CompactInteger(0)),
            Aml.Name("_DDN", Aml.String("COM1")),
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.Interrupt(true, true, false, false, CloudHypervisorAcpi.SerialIrq),
                AmlResource.Io(0x3F8, 0x3F8, 0, 8)))),
        // create_s5_sleep_state: Name(_S5_, Package { 5u8, 5u8, 0u8, 0u8 }).
        .. Aml.Name("_S5_", Aml.Package(Aml.CompactInteger(5), Aml.CompactInteger(5), Aml.CompactInteger(0), Aml.CompactInteger(0))),
        // The power button, which the GED's ESCN notifies.
        .. Aml.Device("_SB_.PWRB",
            Aml.Name("_HID", Aml.EisaId("PNP0C0C")),
            Aml.Name("_UID", Aml.CompactInteger(0))),
        // No TPM; then the GED notification device.
        .. GenericEventController(),
        .. GenericEventDevice(),
        .. CloudHypervisorCpuAml.HotplugController(),
        .. CloudHypervisorCpuAml.Cpus(vcpus),
        // memory_manager.rs without an ACPI address (no hotplug_size): the controller with an empty MSCN for the GED.
        .. Aml.Device("_SB_.MHPC",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Name("_UID", Aml.String("Memory Hotplug Controller")),
            Aml.Method("MSCN", 0, true)),
    ];

    /// <summary>A QWordMemory over [<paramref name="address"/>, + <paramref name="size"/> − 1], not cacheable, read/write (aml.rs AddressSpace::new_memory with u64 bounds).</summary>
    internal static byte[] MmioWindow(ulong address, ulong size) =>
        Aml.ResourceTemplate(AmlResource.QWordMemory(0, true, address, address + size - 1));

    /// <summary>
    /// device_manager.rs' PCI hotplug controller: the PCST registers (PCIU up, PCID down, B0EJ eject, PSEG segment
    /// select), PCEJ(slot, segment) which writes 1 &lt;&lt; slot to B0EJ, and PSCN which calls each segment's PCNT.
    /// </summary>
    private static byte[] PciHotplugController() =>
        Aml.Device("_SB_.PHPR",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Name("_STA", Aml.CompactInteger(0x0B)),
            Aml.Name("_UID", Aml.String("PCI Hotplug Controller")),
            Aml.Mutex("BLCK", 0),
            Aml.Name("_CRS", MmioWindow(DeviceManagerAcpiAddress, DeviceManagerAcpiSize)),
            AmlField.OperationRegion("PCST", AmlField.SystemMemory, DeviceManagerAcpiAddress, DeviceManagerAcpiSize),
            AmlField.Field("PCST", AmlField.Access.DWord, false, AmlField.Update.WriteAsZeros,
                AmlField.Entry.Named("PCIU", 32), AmlField.Entry.Named("PCID", 32), AmlField.Entry.Named("B0EJ", 32), AmlField.Entry.Named("PSEG", 32)),
            Aml.Method("PCEJ", 2, true,
                Aml.Acquire("BLCK", 0xFFFF),
                Aml.Store(Aml.Arg(1), Aml.Path("PSEG")),
                Aml.ShiftLeft(Aml.CompactInteger(1), Aml.Arg(0), Aml.Path("B0EJ")),
                Aml.Release("BLCK"),
                Aml.Return(Aml.CompactInteger(0))),
            Aml.Method("PSCN", 0, true, Aml.Call("\\_SB_.PC00.PCNT")));

    /// <summary>
    /// devices/src/acpi.rs' _SB_.GEC_: the one-byte GDST register and ESCN, which reads it and dispatches bit 0 to
    /// CPUS.CSCN, bit 1 to MHPC.MSCN, bit 2 to PHPR.PSCN and bit 3 to a power-button Notify(PWRB, 0x80).
    /// </summary>
    private static byte[] GenericEventController()
    {
        byte[] Dispatch(ulong bit, byte[] action) =>
        [
            .. Aml.And(Aml.Local(0), Aml.CompactInteger(bit), Aml.Local(1)),
            .. Aml.If(Aml.LEqual(Aml.Local(1), Aml.CompactInteger(bit)), action),
        ];
        return Aml.Device("_SB_.GEC_",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Name("_UID", Aml.String("Generic Event Controller")),
            Aml.Name("_CRS", MmioWindow(GedAddress, GedAcpiSize)),
            AmlField.OperationRegion("GDST", AmlField.SystemMemory, GedAddress, GedAcpiSize),
            AmlField.Field("GDST", AmlField.Access.Byte, false, AmlField.Update.WriteAsZeros, AmlField.Entry.Named("GDAT", 8)),
            Aml.Method("ESCN", 0, true,
                Aml.Store(Aml.Path("GDAT"), Aml.Local(0)),
                Dispatch(1, Aml.Call("\\_SB_.CPUS.CSCN")),
                Dispatch(2, Aml.Call("\\_SB_.MHPC.MSCN")),
                Dispatch(4, Aml.Call("\\_SB_.PHPR.PSCN")),
                Dispatch(8, Aml.Notify("\\_SB_.PWRB", Aml.CompactInteger(0x80)))));
    }

    /// <summary>devices/src/acpi.rs' _SB_.GED_: HID ACPI0013, its IRQ (consumer, edge, active high, exclusive), and _EVT calling GEC_.ESCN.</summary>
    private static byte[] GenericEventDevice() =>
        Aml.Device("_SB_.GED_",
            Aml.Name("_HID", Aml.String("ACPI0013")),
            Aml.Name("_UID", Aml.CompactInteger(0)),
            Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Interrupt(true, true, false, false, GedIrq))),
            Aml.Method("_EVT", 1, true, Aml.Call("\\_SB_.GEC_.ESCN")));
}
