namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The ACPI PCI hotplug interface of QEMU 7.2's <c>-M pc</c> DSDT, on the PIIX4 PM's hotplug ports at 0xAE00
/// (hw/acpi/pcihp.c ACPI_PCIHP_ADDR_PIIX4, ACPI_PCIHP_SIZE 0x18): hw/i386/acpi-build.c <c>build_x86_acpi_pci_hotplug</c>
/// (the PCST, SEJ and BNMR registers, the lock BLCK, PCEJ, AIDX and <c>aml_pci_pdsm</c>'s PDSM),
/// <c>build_append_pci_bus_devices</c> (bus 0's slot devices S00–SF8 with their <c>_DSM</c>, <c>_SUN</c> and <c>_EJ0</c>, DVNT
/// and PCNT), the GPE handler <c>\_GPE._E01</c> and the resource device PHPR.
/// </summary>
public static class QemuPcPciHotplugAml
{
    /// <summary>hw/acpi/pcihp.c ACPI_PCIHP_ADDR_PIIX4: the hotplug registers' base, which PIIX4 PM reports as <c>pcihp_io_base</c>.</summary>
    public const ushort Base = 0xAE00;
    /// <summary>hw/acpi/pcihp.c ACPI_PCIHP_SIZE: the register block's length (<c>pcihp_io_len</c>).</summary>
    public const byte Length = 0x18;

    /// <summary>include/hw/pci/pci.h PCI_SLOT_MAX: the slots of bus 0.</summary>
    private const int Slots = 32;

    /// <summary>hw/i386/acpi-build.c aml_pci_pdsm: the PCI Firmware spec's _DSM UUID (rev 3.3 §4.6, "Device Labeling Interface").</summary>
    private const string PciFirmwareDsmUuid = "E5C937D0-3553-4D7A-9117-EA4D19C3434D";

    /// <summary>build_x86_acpi_pci_hotplug: Scope(_SB.PCI0) with the registers, BLCK, PCEJ, AIDX and PDSM.</summary>
    public static byte[] Registers()
    {
        byte[] one = Aml.CompactInteger(1);
        return Aml.Scope("_SB_.PCI0",
            // hw/acpi/pcihp.c: PCI_UP_BASE 0x0 and PCI_DOWN_BASE 0x4 (slots inserted, slots to eject).
            AmlField.OperationRegion("PCST", AmlField.SystemIo, Base, 0x08),
            AmlField.Field("PCST", AmlField.Access.DWord, false, AmlField.Update.WriteAsZeros,
                AmlField.Entry.Named("PCIU", 32), AmlField.Entry.Named("PCID", 32)),
            // PCI_EJ_BASE 0x8.
            AmlField.OperationRegion("SEJ_", AmlField.SystemIo, Base + 0x08u, 0x04),
            AmlField.Field("SEJ_", AmlField.Access.DWord, false, AmlField.Update.WriteAsZeros, AmlField.Entry.Named("B0EJ", 32)),
            // PCI_SEL_BASE 0x10 (bus select) and PCI_AIDX_BASE 0x14 (ACPI index).
            AmlField.OperationRegion("BNMR", AmlField.SystemIo, Base + 0x10u, 0x08),
            AmlField.Field("BNMR", AmlField.Access.DWord, false, AmlField.Update.WriteAsZeros,
                AmlField.Entry.Named("BNUM", 32), AmlField.Entry.Named("PIDX", 32)),
            Aml.Mutex("BLCK", 0),
            Aml.Method("PCEJ", 2, false,
                Aml.Acquire("BLCK", 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path("BNUM")),
                Aml.Store(Aml.ShiftLeft(one, Aml.Arg(1), Aml.NoTarget), Aml.Path("B0EJ")),
                Aml.Release("BLCK"),
                Aml.Return(Aml.CompactInteger(0))),
            Aml.Method("AIDX", 2, false,
                Aml.Acquire("BLCK", 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path("BNUM")),
                Aml.Store(Aml.ShiftLeft(one, Aml.Arg(1), Aml.NoTarget), Aml.Path("PIDX")),
                Aml.Store(Aml.Path("PIDX"), Aml.Local(0)),
                Aml.Release("BLCK"),
                Aml.Return(Aml.Local(0))),
            Pdsm());
    }

    /// <summary>
    /// aml_pci_pdsm: PDSM(uuid, revision, function, args, {BSEL, ASUN}). Function 0 lists function 7 when the slot has an
    /// ACPI index; function 7 returns {index, ""} (PCI Firmware spec 3.3 §4.6.7, "DSM for Naming a PCI or PCI Express Device").
    /// </summary>
    private static byte[] Pdsm()
    {
        byte[] ret = Aml.Local(0), caps = Aml.Local(1), acpiIndex = Aml.Local(2), zero = Aml.CompactInteger(0), one = Aml.CompactInteger(1);
        byte[] LookUpIndex() => Aml.Store(Aml.Call("AIDX", Aml.DerefOf(Aml.Index(Aml.Arg(4), zero)), Aml.DerefOf(Aml.Index(Aml.Arg(4), one))), acpiIndex);
        byte[] IndexIsNone(Func<byte[], byte[], byte[]> or) =>
            or(Aml.LEqual(acpiIndex, zero), Aml.LEqual(acpiIndex, Aml.CompactInteger(0xFFFF_FFFF)));
        return Aml.Method("PDSM", 5, true,
            Aml.If(Aml.LEqual(Aml.Arg(2), zero),
                Aml.Store(Aml.Buffer(0), ret),
                Aml.Store(zero, caps),
                Aml.If(Aml.LNot(Aml.LEqual(Aml.Arg(0), Aml.ToUuid(PciFirmwareDsmUuid))), Aml.Return(ret)),
                Aml.If(Aml.LLess(Aml.Arg(1), Aml.CompactInteger(2)), Aml.Return(ret)),
                LookUpIndex(),
                // QEMU writes a bitwise Or here (and LOr for function 7): the same truth value on 0/1 operands.
                Aml.If(Aml.LNot(IndexIsNone((a, b) => Aml.Or(a, b, Aml.NoTarget))),
                    Aml.Or(caps, one, caps),
                    Aml.Or(caps, Aml.ShiftLeft(one, Aml.CompactInteger(7), Aml.NoTarget), caps)),
                Aml.Store(caps, Aml.Index(ret, zero)),
                Aml.Return(ret)),
            Aml.If(Aml.LEqual(Aml.Arg(2), Aml.CompactInteger(7)),
                LookUpIndex(),
                Aml.Store(Aml.PackageOfSize(2), ret),
                Aml.If(Aml.LNot(IndexIsNone(Aml.LOr)),
                    Aml.Store(acpiIndex, Aml.Index(ret, zero)),
                    Aml.Store(Aml.String(""), Aml.Index(ret, one))),
                Aml.Return(ret)));
    }

    /// <summary>
    /// build_append_pci_bus_devices for bus 0 (BSEL 0): the host bridge S00 (00.0), the PIIX3 ISA bridge S08 (01.0) holding
    /// <paramref name="isaBridge"/>, and a hotplug slot for each empty slot 2–31; then DVNT and PCNT.
    /// </summary>
    public static byte[] BusDevices(params byte[][] isaBridge)
    {
        List<byte[]> children = [Aml.Name("BSEL", Aml.CompactInteger(0)), Slot(0, false), Slot(1, false, isaBridge)];
        for (var slot = 2; slot < Slots; slot++)
            children.Add(Slot(slot, true));
        children.Add(NotifyMethod());
        // PCNT: select bus 0, then Device Check (1) the inserted slots and Eject Request (3) the ones to remove (ACPI 6.5 §5.6.6).
        children.Add(Aml.Method("PCNT", 0, false,
            Aml.Store(Aml.CompactInteger(0), Aml.Path("BNUM")),
            Aml.Call("DVNT", Aml.Path("PCIU"), Aml.CompactInteger(1)),
            Aml.Call("DVNT", Aml.Path("PCID"), Aml.CompactInteger(3))));
        return Aml.Scope("\\_SB_", Aml.Scope("PCI0", [.. children]));
    }

    /// <summary>The name QEMU gives slot <paramref name="slot"/>'s device: "S%.02X" of its devfn (slot &lt;&lt; 3).</summary>
    private static string SlotName(int slot) => $"S{slot << 3:X2}_";

    /// <summary>
    /// A slot device: _ADR (slot in the high word), ASUN and the _DSM calling PDSM (<c>build_append_pci_dsm_func0_common</c>'s
    /// caller <c>aml_pci_device_dsm</c>), then for an empty hotpluggable slot _SUN and _EJ0 calling PCEJ.
    /// </summary>
    private static byte[] Slot(int slot, bool hotplug, params byte[][] contents)
    {
        List<byte[]> children =
        [
            Aml.Name("_ADR", Aml.CompactInteger((ulong)slot << 16)),
            Aml.Name("ASUN", Aml.CompactInteger((ulong)slot)),
            Aml.Method("_DSM", 4, true,
                Aml.Store(Aml.Package(Aml.Path("BSEL"), Aml.Path("ASUN")), Aml.Local(0)),
                Aml.Return(Aml.Call("PDSM", Aml.Arg(0), Aml.Arg(1), Aml.Arg(2), Aml.Arg(3), Aml.Local(0)))),
        ];
        if (hotplug)
        {
            children.Add(Aml.Name("_SUN", Aml.CompactInteger((ulong)slot)));
            children.Add(Aml.Method("_EJ0", 1, false, Aml.Call("PCEJ", Aml.Path("BSEL"), Aml.Path("_SUN"))));
        }
        children.AddRange(contents);
        return Aml.Device(SlotName(slot), [.. children]);
    }

    /// <summary>DVNT(slots, event): build_append_pcihp_notify_entry for each hotpluggable slot, If (slots &amp; bit) Notify(Sxx, event).</summary>
    private static byte[] NotifyMethod()
    {
        var body = new List<byte[]>();
        for (var slot = 2; slot < Slots; slot++)
            body.Add(Aml.If(Aml.And(Aml.Arg(0), Aml.CompactInteger(1UL << slot), Aml.NoTarget), Aml.Notify(SlotName(slot), Aml.Arg(1))));
        return Aml.Method("DVNT", 2, false, [.. body]);
    }

    /// <summary>build_dsdt (PIIX4, PCI hotplug on): Scope(\_GPE) { Method(_E01) { lock; \_SB.PCI0.PCNT(); unlock } }.</summary>
    public static byte[] GpeHandler() => Aml.Scope("_GPE", Aml.Method("_E01", 0, false,
        Aml.Acquire("\\_SB_.PCI0.BLCK", 0xFFFF),
        Aml.Call("\\_SB_.PCI0.PCNT"),
        Aml.Release("\\_SB_.PCI0.BLCK")));

    /// <summary>build_dsdt: "reserve PCIHP resources", Device(PHPR) claiming the hotplug ports.</summary>
    public static byte[] ResourceDevice() => Aml.Device("PHPR",
        Aml.Name("_HID", Aml.String("PNP0A06")),
        Aml.Name("_UID", Aml.String("PCI Hotplug resources")),
        Aml.Name("_STA", Aml.CompactInteger(0x0B)),
        Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(Base, Base, 1, Length))));
}
