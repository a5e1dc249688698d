namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The PCI interrupt routing of QEMU 7.2's <c>-M pc</c> DSDT (hw/i386/acpi-build.c <c>build_piix4_pci0_int</c>): PCI0's
/// <c>_PRT</c> method (<c>build_prt</c>), the helpers IQST and IQCR (<c>build_irq_status_method</c>,
/// <c>build_iqcr_method</c>), the link devices LNKA–LNKD on the PIIX3's PIRQA–D route registers (<c>build_link_dev</c>) and
/// LNKS for the SCI (<c>build_gsi_link_dev</c>'s PIIX4 variant); and the PIRQ route registers' field P40C the ISA bridge
/// declares (hw/isa/piix3.c <c>build_pci_isa_aml</c>).
/// </summary>
public static class QemuPcPciInterruptAml
{
    /// <summary>
    /// hw/isa/piix3.c: the PIIX3 PIRQRC[A:D] route control registers at PCI configuration offset 0x60–0x63 of 00:01.0
    /// (Intel 82371SB datasheet §2.2.8: bits 0–3 the IRQ, bit 7 IRQEN# "routing disabled").
    /// </summary>
    public const byte PirqRouteOffset = 0x60;

    /// <summary>hw/i386/acpi-build.c build_link_dev: the ISA IRQs a link may take (5, 10, 11), level, active high, shared.</summary>
    private static readonly uint[] LinkIrqs = [5, 10, 11];

    /// <summary>hw/i386/acpi-build.c build_piix4_pci0_int: Scope(\_SB) { Scope(PCI0) { _PRT }, IQST, IQCR, LNKA–LNKD, LNKS }.</summary>
    public static byte[] Scope() => Aml.Scope("_SB_",
        Aml.Scope("PCI0", Prt()),
        IrqStatusMethod(),
        IqcrMethod(),
        LinkDevice("LNKA", 0, "PRQ0"),
        LinkDevice("LNKB", 1, "PRQ1"),
        LinkDevice("LNKC", 2, "PRQ2"),
        LinkDevice("LNKD", 3, "PRQ3"),
        SciLinkDevice());

    /// <summary>
    /// hw/isa/piix3.c build_pci_isa_aml, inside the ISA bridge's device: OperationRegion(P40C, PCI_Config, 0x60, 4) and,
    /// in Scope(\_SB), the byte fields PRQ0–PRQ3 over it that the link devices read and write.
    /// </summary>
    public static byte[][] PirqRouteRegisters() =>
    [
        AmlField.OperationRegion("P40C", AmlField.PciConfig, PirqRouteOffset, 4),
        Aml.Scope("\\_SB_", AmlField.Field("PCI0.S08_.P40C", AmlField.Access.Byte, false, AmlField.Update.Preserve,
            AmlField.Entry.Named("PRQ0", 8), AmlField.Entry.Named("PRQ1", 8), AmlField.Entry.Named("PRQ2", 8), AmlField.Entry.Named("PRQ3", 8))),
    ];

    /// <summary>
    /// build_prt(true): a 128-entry package built in a loop, one entry per slot (Local1 / 4) and pin (Local1 &amp; 3), the
    /// link rotating with slot + pin; slot 1 pin 0 (the PIIX4 PM's SCI, Local1 == 4) goes to LNKS.
    /// </summary>
    private static byte[] Prt()
    {
        byte[] table = Aml.Local(0), i = Aml.Local(1), slot = Aml.Local(2), link = Aml.Local(3), entry = Aml.Local(4);
        byte[] Route(string name) => Aml.Store(Aml.Package(Aml.CompactInteger(0), Aml.CompactInteger(0), Aml.Path(name), Aml.CompactInteger(0)), entry);
        return Aml.Method("_PRT", 0, false,
            Aml.Store(Aml.PackageOfSize(128), table),
            Aml.Store(Aml.CompactInteger(0), i),
            Aml.While(Aml.LLess(i, Aml.CompactInteger(128)),
                Aml.Store(Aml.ShiftRight(i, Aml.CompactInteger(2), Aml.NoTarget), slot),
                Aml.Store(Aml.And(Aml.Add(i, slot, Aml.NoTarget), Aml.CompactInteger(3), Aml.NoTarget), link),
                Aml.If(Aml.LEqual(link, Aml.CompactInteger(0)), Route("LNKD")),
                Aml.If(Aml.LEqual(link, Aml.CompactInteger(1)),
                    Aml.If(Aml.LEqual(i, Aml.CompactInteger(4)), Route("LNKS")),
                    Aml.Else(Route("LNKA"))),
                Aml.If(Aml.LEqual(link, Aml.CompactInteger(2)), Route("LNKB")),
                Aml.If(Aml.LEqual(link, Aml.CompactInteger(3)), Route("LNKC")),
                // The entry's address: the slot in the high word, 0xFFFF for "any function" (ACPI 6.5 §6.2.13, _PRT).
                Aml.Store(Aml.Or(Aml.ShiftLeft(slot, Aml.CompactInteger(16), Aml.NoTarget), Aml.CompactInteger(0xFFFF), Aml.NoTarget),
                    Aml.Index(entry, Aml.CompactInteger(0))),
                Aml.Store(Aml.And(i, Aml.CompactInteger(3), Aml.NoTarget), Aml.Index(entry, Aml.CompactInteger(1))),
                Aml.Store(entry, Aml.Index(table, i)),
                Aml.Increment(i)),
            Aml.Return(table));
    }

    /// <summary>build_irq_status_method: IQST(reg) is 9 (present, disabled) with IRQEN# (0x80) set, else 0x0B.</summary>
    private static byte[] IrqStatusMethod() => Aml.Method("IQST", 1, false,
        Aml.If(Aml.And(Aml.CompactInteger(0x80), Aml.Arg(0), Aml.NoTarget), Aml.Return(Aml.CompactInteger(0x09))),
        Aml.Return(Aml.CompactInteger(0x0B)));

    /// <summary>build_iqcr_method(true): IQCR(reg) is an Interrupt resource holding reg's IRQ when routing is enabled.</summary>
    private static byte[] IqcrMethod() => Aml.Method("IQCR", 1, true,
        Aml.Name("PRR0", Aml.ResourceTemplate(AmlResource.Interrupt(true, false, false, true, [0u]))),
        // The interrupt number's offset in the Extended Interrupt Descriptor (ACPI 6.5 §6.4.3.6: byte 5).
        Aml.CreateDWordField(Aml.Path("PRR0"), Aml.CompactInteger(5), "PRRI"),
        Aml.If(Aml.LLess(Aml.Arg(0), Aml.CompactInteger(0x80)), Aml.Store(Aml.Arg(0), Aml.Path("PRRI"))),
        Aml.Return(Aml.Path("PRR0")));

    /// <summary>build_link_dev: an interrupt link (PNP0C0F) over one PIRQ route register.</summary>
    private static byte[] LinkDevice(string name, byte uid, string register) => Aml.Device(name,
        Aml.Name("_HID", Aml.EisaId("PNP0C0F")),
        Aml.Name("_UID", Aml.CompactInteger(uid)),
        Aml.Name("_PRS", Aml.ResourceTemplate(AmlResource.Interrupt(true, false, false, true, LinkIrqs))),
        Aml.Method("_STA", 0, false, Aml.Return(Aml.Call("IQST", Aml.Path(register)))),
        Aml.Method("_DIS", 0, false, Aml.Or(Aml.Path(register), Aml.CompactInteger(0x80), Aml.Path(register))),
        Aml.Method("_CRS", 0, false, Aml.Return(Aml.Call("IQCR", Aml.Path(register)))),
        Aml.Method("_SRS", 1, false,
            Aml.CreateDWordField(Aml.Arg(0), Aml.CompactInteger(5), "PRRI"),
            Aml.Store(Aml.Path("PRRI"), Aml.Path(register))));

    /// <summary>build_piix4_pci0_int's LNKS: the SCI's fixed link, GSI 9 only, always enabled.</summary>
    private static byte[] SciLinkDevice() => Aml.Device("LNKS",
        Aml.Name("_HID", Aml.EisaId("PNP0C0F")),
        Aml.Name("_UID", Aml.CompactInteger(4)),
        Aml.Name("_PRS", Aml.ResourceTemplate(AmlResource.Interrupt(true, false, false, true, [(uint)QemuPcAcpi.SciIrq]))),
        Aml.Method("_STA", 0, false, Aml.Return(Aml.CompactInteger(0x0B))),
        Aml.Method("_DIS", 0, false),
        Aml.Method("_CRS", 0, false, Aml.Return(Aml.Path("_PRS"))),
        Aml.Method("_SRS", 1, false));
}
