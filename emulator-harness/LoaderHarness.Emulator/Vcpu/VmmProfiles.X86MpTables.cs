using LoaderHarness.Emulator.Vcpu.MultiProcessor;

namespace LoaderHarness.Emulator.Vcpu;

// The MP tables the x86 VMM profiles write (Intel MultiProcessor Specification 1.4), each as its VMM's or firmware's
// source builds it.
public static partial class VmmProfiles
{
    /// <summary>
    /// Firecracker's MP table (src/vmm/src/arch/x86_64/mptable.rs setup_mptable, at commit 3a6d6d1f): at
    /// SYSTEM_MEM_START 0x9FC00 (layout.rs; the first system-memory allocation), OEM "FC", the processors, ISA bus 0,
    /// the I/O APIC, ISA IRQ n to INTIN n for n = 0..=IRQ_MAX (23, "per kvm_setup_default_irq_routing"), ExtINT on
    /// LINTIN0 of APIC 0 and NMI on LINTIN1 of all APICs; oemcount counts the entries and the floating pointer.
    /// </summary>
    private static MpTableValues FirecrackerMpTable => new()
    {
        Address = 0x9_FC00,
        OemId = "FC",
        CountsEntries = true,
        Entries = [new(MpEntryKind.Processors), MpEntry.Bus(0, "ISA"), new(MpEntryKind.IoApic), .. IsaInterrupts(24), .. LocalInterrupts()],
    };

    /// <summary>
    /// Cloud Hypervisor's MP table (arch/src/x86_64/mptable.rs setup_mptable, at commit 040ea543): MPTABLE_START
    /// 0x9FC00, OEM "FC" (inherited from Firecracker), the processors, ISA bus 0, the I/O APIC, ISA IRQ n to INTIN n
    /// for n = 0..15, then ExtINT on LINTIN0 and NMI on LINTIN1; oemcount 0.
    /// </summary>
    private static MpTableValues CloudHypervisorMpTable => new()
    {
        Address = 0x9_FC00,
        OemId = "FC",
        Entries = [new(MpEntryKind.Processors), MpEntry.Bus(0, "ISA"), new(MpEntryKind.IoApic), .. IsaInterrupts(16), .. LocalInterrupts()],
    };

    /// <summary>
    /// qboot's MP table (mptable.c setup_mptable, which main.c runs on every boot): at MPTABLE_START 0x9FC00, OEM
    /// "QBOOT   ", one processor entry per fw_cfg FW_CFG_NB_CPUS with the CPU's CPUID leaf 1, ISA bus 0, the I/O APIC (ID
    /// num_cpus + 1), ISA IRQ n to INTIN n except that with FW_CFG_IRQ0_OVERRIDE (set on microvm) IRQ 0 goes to INTIN 2 and
    /// IRQ 2 has no entry, then ExtINT on LINTIN0 of APIC 0 and NMI on LINTIN1 of all; oemcount 0.
    /// </summary>
    private static MpTableValues QbootMpTable => new()
    {
        Address = 0x9_FC00,
        OemId = "QBOOT",
        ProcessorFromCpuid = true,
        Entries =
        [
            new(MpEntryKind.Processors), MpEntry.Bus(0, "ISA"), new(MpEntryKind.IoApic),
            MpEntry.IoInterrupt(0, 2), .. IsaInterrupts(16).Where(e => e.SourceIrq != 0 && e.SourceIrq != 2), .. LocalInterrupts(),
        ],
    };

    /// <summary>
    /// crosvm's MP table (x86_64/src/mptable.rs setup_mptable, at commit f1e797a6) for a VM without PCI devices
    /// (<c>pci_irqs</c> empty, as with <c>--no-balloon --no-rng</c> and no disk or network): the floating pointer at
    /// MP_FLOATING_POINTER_ADDR = 640 KiB − 16, the table at MPTABLE_RANGE.start = 634 KiB, OEM "CROSVM  "; the processors,
    /// the I/O APIC, PCI bus 0 (buses 0..isa_bus_id), ISA bus isa_bus_id = 1; an entry of type MP_LINTSRC in mpc_intsrc's
    /// layout (INT, ISA IRQ 0 to APIC 0 input 0); ISA IRQ n to INTIN n for n below X86_64_SCI_IRQ (lib.rs: 5), then the
    /// RTC's IRQ 8 (devices/src/cmos.rs RTC_IRQ), the SCI active high and level triggered (MP_IRQDIR_HIGH |
    /// MP_LEVEL_TRIGGER), and IRQ n for n from X86_64_IRQ_BASE 9 to 15 (no PCI IRQ raises the start); ExtINT on LINTIN0 of
    /// APIC 0 and NMI on LINTIN1 of all (destination 0xFF "per SeaBIOS"), both from the ISA bus; oemcount 0.
    /// </summary>
    private static MpTableValues CrosvmMpTable => new()
    {
        Address = 0x400 * 640 - MpTableWriter.FloatingPointerSize,
        TableAddress = 0x400 * 634,
        OemId = "CROSVM",
        Entries =
        [
            new(MpEntryKind.Processors), new(MpEntryKind.IoApic), MpEntry.Bus(0, "PCI"), MpEntry.Bus(1, "ISA"),
            new(MpEntryKind.IoInterrupt, SourceBus: 1, DestinationApic: 0, TypeCode: (byte)MpEntryKind.LocalInterrupt),
            MpEntry.IoInterrupt(0, 0, bus: 1), MpEntry.IoInterrupt(1, 1, bus: 1), MpEntry.IoInterrupt(2, 2, bus: 1),
            MpEntry.IoInterrupt(3, 3, bus: 1), MpEntry.IoInterrupt(4, 4, bus: 1), MpEntry.IoInterrupt(8, 8, bus: 1),
            MpEntry.IoInterrupt(5, 5, bus: 1, flags: 0x1 | 0xC),
            .. IsaInterrupts(16).Where(e => e.SourceIrq >= 9).Select(e => e with { SourceBus = 1 }),
            new(MpEntryKind.LocalInterrupt, InterruptType: 3, SourceBus: 1, DestinationApic: 0, DestinationInput: 0),
            new(MpEntryKind.LocalInterrupt, InterruptType: 1, SourceBus: 1, DestinationApic: 0xFF, DestinationInput: 1),
        ],
    };

    /// <summary>I/O interrupt entries ISA IRQ n → I/O APIC INTIN n, bus 0, flags 0 (MP_IRQPOL_DEFAULT: conforms to the bus).</summary>
    private static IEnumerable<MpEntry> IsaInterrupts(int count)
    {
        for (var i = 0; i < count; i++)
            yield return MpEntry.IoInterrupt((byte)i, (byte)i);
    }

    /// <summary>mp_ExtINT (3) to LINTIN0 of APIC 0, mp_NMI (1) to LINTIN1 of every APIC (destination 0xFF).</summary>
    private static IEnumerable<MpEntry> LocalInterrupts()
    {
        yield return new MpEntry(MpEntryKind.LocalInterrupt, InterruptType: 3, DestinationApic: 0, DestinationInput: 0);
        yield return new MpEntry(MpEntryKind.LocalInterrupt, InterruptType: 1, DestinationApic: 0xFF, DestinationInput: 1);
    }
    /// <summary>
    /// SeaBIOS 1.16's MP table (src/fw/mptable.c mptable_setup, run by qemu_platform_setup before it loads QEMU's ACPI
    /// tables) on QEMU 7.2 <c>-M pc</c>: the configuration table and then the floating pointer from its F-segment
    /// allocator (malloc_fseg), at 0xF5BB0 and 0xF5BA0 in Debian's bios-256k.bin (read back from a live guest); OEM
    /// BUILD_CPUNAME8 "BOCHSCPU", product "0.1"; processors with the CPU's CPUID leaf 1 and the local APIC's version; PCI
    /// bus 0 (there are PCI devices) and ISA bus 1; the I/O APIC with BUILD_IOAPIC_ID 0 and version 0x11; one entry per
    /// interrupt pin of a bus-0 PCI function (only the PIIX4 PM at 01.3, pin A, interrupt line 9: source IRQ device
    /// 1 &lt;&lt; 2 | pin A, active high); ISA IRQ n to INTIN n except BUILD_PCI_IRQS 5, 9, 10, 11, with QEMU's
    /// <c>etc/irq0-override</c> sending IRQ 0 to INTIN 2 and dropping IRQ 2; ExtINT and NMI from the ISA bus;
    /// <c>entrycount</c> counting the entries alone.
    /// </summary>
    private static MpTableValues SeaBiosMpTable => new()
    {
        Address = 0xF_5BA0,
        OemId = "BOCHSCPU",
        ProductId = "0.1",
        ProcessorFromCpuid = true,
        CountsEntries = true,
        CountsFloatingPointer = false,
        IoApicId = 0,
        IoApicVersion = 0x11,
        Entries =
        [
            new(MpEntryKind.Processors), MpEntry.Bus(0, "PCI"), MpEntry.Bus(1, "ISA"), new(MpEntryKind.IoApic),
            MpEntry.IoInterrupt((1 << 2) | 0, 9, bus: 0, flags: 1),
            MpEntry.IoInterrupt(0, 2, bus: 1),
            .. IsaInterrupts(16).Where(e => e.SourceIrq is not (0 or 2 or 5 or 9 or 10 or 11)).Select(e => e with { SourceBus = 1 }),
            new(MpEntryKind.LocalInterrupt, InterruptType: 3, SourceBus: 1, DestinationApic: 0, DestinationInput: 0),
            new(MpEntryKind.LocalInterrupt, InterruptType: 1, SourceBus: 1, DestinationApic: 0xFF, DestinationInput: 1),
        ],
    };
}
