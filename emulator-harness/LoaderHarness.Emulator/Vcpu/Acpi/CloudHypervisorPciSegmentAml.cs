using static LoaderHarness.Emulator.Vcpu.Acpi.CloudHypervisorPlatformDevices;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// Cloud Hypervisor v53.0's default PCI segment in the DSDT: vmm/src/pci_segment.rs <c>impl Aml for PciSegment</c>
/// (x86_64, segment 0, NUMA node 0) with its <c>PciDevSlot</c>, <c>PciDevSlotMethods</c> and <c>PciDsmMethod</c>,
/// encoded as acpi_tables 0.2.1 src/aml.rs does.
/// </summary>
public static class CloudHypervisorPciSegmentAml
{
    /// <summary>Device(_SB_.PC00) in pci_segment.rs' order.</summary>
    public static byte[] Build()
    {
        var children = new List<byte[]>
        {
            Aml.Name("_HID", Aml.EisaId("PNP0A08")),
            Aml.Name("_CID", Aml.EisaId("PNP0A03")),
            Aml.Name("_ADR", Aml.CompactInteger(0)),
            Aml.Name("_SEG", Aml.CompactInteger(0)),   // self.id
            Aml.Name("_UID", Aml.CompactInteger(0)),
            Aml.Name("_CCA", Aml.CompactInteger(1)),
            Aml.Name("SUPP", Aml.CompactInteger(0)),
            Aml.Method("_PXM", 0, false, Aml.Return(Aml.CompactInteger(0))),   // proximity_domain
            DeviceSpecificMethod(),
            // The segment 0 branch on x86_64: bus 0 only, the 0xCF8 config ports, the ECAM window, both MMIO
            // windows (u64 fields, so QWordMemory), and all I/O ports but the config ports.
            Aml.Name("_CRS", Aml.ResourceTemplate(
                AmlResource.WordBusNumber(0, 0),
                AmlResource.Io(0xCF8, 0xCF8, 1, 8),
                AmlResource.Memory32Fixed(true, (uint)CloudHypervisorAcpi.PciMmconfigStart, CloudHypervisorAcpi.PciMmioConfigSizePerSegment),
                AmlResource.QWordMemory(0, true, PciMmio32Start, PciMmio32End),
                AmlResource.QWordMemory(0, true, PciMmio64Start, PciMmio64End),
                AmlResource.WordIo(0, 0xCF7),
                AmlResource.WordIo(0xD00, 0xFFFF))),
        };
        for (var slot = 0; slot < 32; slot++)
            children.Add(Slot(slot));
        children.Add(SlotNotifyMethod());
        // PCNT: under the hotplug controller's lock, select this segment and notify the slots PCIU reports with
        // 1 (device check) and those PCID reports with 3 (eject request).
        children.Add(Aml.Method("PCNT", 0, true,
            Aml.Acquire("\\_SB_.PHPR.BLCK", 0xFFFF),
            Aml.Store(Aml.Path("_SEG"), Aml.Path("\\_SB_.PHPR.PSEG")),
            Aml.Call("DVNT", Aml.Path("\\_SB_.PHPR.PCIU"), Aml.CompactInteger(1)),
            Aml.Call("DVNT", Aml.Path("\\_SB_.PHPR.PCID"), Aml.CompactInteger(3)),
            Aml.Release("\\_SB_.PHPR.BLCK")));
        // _PRT: per slot, Package { (slot << 16) | 0xFFFF (any function), pin 0, source 0, the slot's IRQ }.
        var routes = new byte[32][];
        for (var slot = 0; slot < 32; slot++)
            routes[slot] = Aml.Package(Aml.CompactInteger(((ulong)slot << 16) | 0xFFFF), Aml.CompactInteger(0), Aml.CompactInteger(0), Aml.CompactInteger(PciSlotIrq(slot)));
        children.Add(Aml.Name("_PRT", Aml.Package(routes)));
        return Aml.Device("_SB_.PC00", [.. children]);
    }

    /// <summary>PciDevSlot: Device(Snnn) (decimal slot number) with _SUN, _ADR (slot &lt;&lt; 16) and an _EJ0 that calls PHPR.PCEJ.</summary>
    private static byte[] Slot(int slot) =>
        Aml.Device($"S{slot:D3}",
            Aml.Name("_SUN", Aml.CompactInteger((ulong)slot)),
            Aml.Name("_ADR", Aml.CompactInteger((ulong)slot << 16)),
            Aml.Method("_EJ0", 1, true, Aml.Call("\\_SB_.PHPR.PCEJ", Aml.Path("_SUN"), Aml.Path("_SEG"))));

    /// <summary>PciDevSlotMethods' DVNT(bitmap, event): for each slot, Local0 = Arg0 &amp; (1 &lt;&lt; slot); if set, Notify(Snnn, Arg1).</summary>
    private static byte[] SlotNotifyMethod()
    {
        var body = new List<byte[]>();
        for (var slot = 0; slot < 32; slot++)
        {
            var mask = Aml.CompactInteger(1UL << slot);
            body.Add(Aml.And(Aml.Arg(0), mask, Aml.Local(0)));
            body.Add(Aml.If(Aml.LEqual(Aml.Local(0), mask), Aml.Notify($"S{slot:D3}", Aml.Arg(1))));
        }
        return Aml.Method("DVNT", 2, true, [.. body]);
    }

    /// <summary>
    /// PciDsmMethod: _DSM for the PCI Firmware spec's Device Labeling Interface. The UUID
    /// E5C937D0-3553-4D7A-9117-EA4D19C3434D is stored mixed-endian, as ASL ToUUID does (ACPI 6.3 §19.6.142, which pci_segment.rs cites): the first three
    /// fields little-endian, the last eight bytes as written.
    /// </summary>
    private static byte[] DeviceSpecificMethod()
    {
        byte[] uuid = [0xD0, 0x37, 0xC9, 0xE5, 0x53, 0x35, 0x7A, 0x4D, 0x91, 0x17, 0xEA, 0x4D, 0x19, 0xC3, 0x43, 0x4D];
        return Aml.Method("_DSM", 4, false,
            Aml.If(Aml.LEqual(Aml.Arg(0), Aml.Buffer(uuid)),
                Aml.If(Aml.LEqual(Aml.Arg(2), Aml.CompactInteger(0)), Aml.Return(Aml.Buffer(0x21))),
                Aml.If(Aml.LEqual(Aml.Arg(2), Aml.CompactInteger(5)), Aml.Return(Aml.CompactInteger(0)))),
            Aml.Return(Aml.Buffer(0x00)));
    }
}
