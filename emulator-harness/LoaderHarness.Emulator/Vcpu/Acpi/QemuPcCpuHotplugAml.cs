namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The CPU hotplug AML of QEMU 7.2's <c>-M pc</c> DSDT for one vCPU: hw/acpi/cpu.c <c>build_cpus_aml</c> as build_dsdt calls
/// it (<c>cpu_hp_io_base</c> 0xAF00, resource device under <c>\_SB.PCI0</c>, event handler <c>\_GPE._E02</c>): the register
/// device PRES with its lock and fields, the processor container CPUS with CTFY, CSTA, CEJ0, CSCN, COST and one
/// Processor object per possible CPU, and the GPE method that scans.
/// </summary>
public static class QemuPcCpuHotplugAml
{
    /// <summary>hw/i386/acpi-build.c / include/hw/acpi/cpu_hotplug.h: ICH9/PIIX4 CPU hotplug base PIIX4_CPU_HOTPLUG_IO_BASE 0xAF00.</summary>
    public const ushort Base = 0xAF00;
    /// <summary>hw/acpi/cpu.c ACPI_CPU_HOTPLUG_REG_LEN: the register block's length.</summary>
    public const byte Length = 0x0C;

    // hw/acpi/cpu.c: the names CPU_RESOURCE_DEVICE "PRES", CPU_LOCK "CPLK", CPU_SELECTOR "CSEL", CPU_COMMAND "CCMD",
    // CPU_DATA "CDAT", CPU_ENABLED "CPEN", CPU_INSERT_EVENT "CINS", CPU_REMOVE_EVENT "CRMV", CPU_EJECT_EVENT "CEJ0",
    // under the resource device's full path (build_cpus_aml's cphp_res_path).
    private const string Registers = "\\_SB_.PCI0.PRES.";
    private const string Lock = Registers + "CPLK";

    /// <summary>
    /// build_cpus_aml: Scope(\_SB) { Device(\_SB.PCI0.PRES), Device(\_SB.CPUS) }, then Method(\_GPE._E02) calling CSCN.
    /// <paramref name="localApicEntry"/> is the boot CPU's MADT Processor Local APIC entry (its _MAT).
    /// </summary>
    public static byte[] Build(byte[] localApicEntry) =>
    [
        .. Aml.Scope("_SB_", ResourceDevice(), Container(localApicEntry)),
        .. Aml.Method("\\_GPE._E02", 0, false, Aml.Call("\\_SB_.CPUS.CSCN")),
    ];

    /// <summary>
    /// The register device: the ports as resources, the lock, and hw/acpi/cpu.c's register layout (docs/specs/acpi_cpu_hotplug.rst):
    /// byte 4's status bits (enabled, insert event, remove event, eject request, eject by firmware), byte 5 the command,
    /// DWord 0 the selector and DWord 8 the command data.
    /// </summary>
    private static byte[] ResourceDevice() => Aml.Device("\\_SB_.PCI0.PRES",
        Aml.Name("_HID", Aml.EisaId("PNP0A06")),
        Aml.Name("_UID", Aml.String("CPU Hotplug resources")),
        Aml.Mutex("CPLK", 0),
        Aml.Name("_CRS", Aml.ResourceTemplate(AmlResource.Io(Base, Base, 1, Length))),
        AmlField.OperationRegion("PRST", AmlField.SystemIo, Base, Length),
        AmlField.Field("PRST", AmlField.Access.Byte, false, AmlField.Update.WriteAsZeros,
            AmlField.Entry.Reserved(32),
            AmlField.Entry.Named("CPEN", 1), AmlField.Entry.Named("CINS", 1), AmlField.Entry.Named("CRMV", 1),
            AmlField.Entry.Named("CEJ0", 1), AmlField.Entry.Named("CEJF", 1),
            AmlField.Entry.Reserved(3),
            AmlField.Entry.Named("CCMD", 8)),
        AmlField.Field("PRST", AmlField.Access.DWord, false, AmlField.Update.Preserve,
            AmlField.Entry.Named("CSEL", 32), AmlField.Entry.Reserved(32), AmlField.Entry.Named("CDAT", 32)),
        Aml.Method("_INI", 0, true, Aml.Store(Aml.CompactInteger(0), Aml.Path("CSEL"))));

    /// <summary>The processor container (ACPI 6.5 §8.4.2.1, ACPI0010) with the methods and the CPU's Processor object.</summary>
    private static byte[] Container(byte[] localApicEntry)
    {
        byte[] zero = Aml.CompactInteger(0), one = Aml.CompactInteger(1);
        return Aml.Device("\\_SB_.CPUS",
            Aml.Name("_HID", Aml.String("ACPI0010")),
            Aml.Name("_CID", Aml.EisaId("PNP0A05")),
            // CTFY(uid, event): Notify the CPU whose UID matches.
            Aml.Method("CTFY", 2, false, Aml.If(Aml.LEqual(Aml.Arg(0), zero), Aml.Notify("C000", Aml.Arg(1)))),
            Aml.Method("CSTA", 1, true,
                Aml.Acquire(Lock, 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path(Registers + "CSEL")),
                Aml.Store(zero, Aml.Local(0)),
                Aml.If(Aml.LEqual(Aml.Path(Registers + "CPEN"), one), Aml.Store(Aml.CompactInteger(0x0F), Aml.Local(0))),
                Aml.Release(Lock),
                Aml.Return(Aml.Local(0))),
            Aml.Method("CEJ0", 1, true,
                Aml.Acquire(Lock, 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path(Registers + "CSEL")),
                Aml.Store(one, Aml.Path(Registers + "CEJ0")),
                Aml.Release(Lock)),
            Scan(),
            // COST(uid, event, status, buffer): hw/acpi/cpu.c CPHP_OST_EVENT_CMD 1, CPHP_OST_STATUS_CMD 2.
            Aml.Method("COST", 4, true,
                Aml.Acquire(Lock, 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path(Registers + "CSEL")),
                Aml.Store(one, Aml.Path(Registers + "CCMD")),
                Aml.Store(Aml.Arg(1), Aml.Path(Registers + "CDAT")),
                Aml.Store(Aml.CompactInteger(2), Aml.Path(Registers + "CCMD")),
                Aml.Store(Aml.Arg(2), Aml.Path(Registers + "CDAT")),
                Aml.Release(Lock)),
            // The boot CPU: Processor(C000, 0, 0, 0); it has no _EJ0 (build_cpus_aml leaves the first CPU out).
            Aml.Processor("C000", 0, 0, 0,
                Aml.Method("_STA", 0, true, Aml.Return(Aml.Call("CSTA", zero))),
                Aml.Name("_MAT", Aml.Buffer(localApicEntry)),
                Aml.Method("_OST", 3, true, Aml.Call("COST", zero, Aml.Arg(0), Aml.Arg(1), Aml.Arg(2)))));
    }

    /// <summary>
    /// CSCN: walk the CPUs with pending events (CPHP_GET_NEXT_CPU_WITH_EVENT_CMD 0), collect inserted ones in CNEW (at most
    /// 255 a pass) and eject-notify removed ones, then Device Check each new CPU and clear its insert event.
    /// </summary>
    private static byte[] Scan()
    {
        byte[] zero = Aml.CompactInteger(0), one = Aml.CompactInteger(1);
        byte[] more = Aml.Local(0), found = Aml.Local(1), j = Aml.Local(2), uid = Aml.Local(3), again = Aml.Local(4);
        const byte cpus = 1, perPass = 0xFF;
        return Aml.Method("CSCN", 0, true,
            Aml.Acquire(Lock, 0xFFFF),
            Aml.Name("CNEW", Aml.PackageOfSize(perPass)),
            Aml.Store(zero, uid),
            Aml.Store(one, again),
            Aml.While(Aml.LEqual(again, one),
                Aml.Store(zero, again),
                Aml.Store(one, more),
                Aml.Store(zero, found),
                Aml.While(Aml.LAnd(Aml.LEqual(more, one), Aml.LLess(uid, Aml.CompactInteger(cpus))),
                    Aml.Store(zero, more),
                    Aml.Store(uid, Aml.Path(Registers + "CSEL")),
                    Aml.Store(zero, Aml.Path(Registers + "CCMD")),
                    Aml.If(Aml.LLess(Aml.Path(Registers + "CDAT"), uid), Aml.Break()),
                    Aml.If(Aml.LEqual(found, Aml.CompactInteger(perPass)), Aml.Store(one, again), Aml.Break()),
                    Aml.Store(Aml.Path(Registers + "CDAT"), uid),
                    Aml.If(Aml.LEqual(Aml.Path(Registers + "CINS"), one),
                        Aml.Store(uid, Aml.Index(Aml.Path("CNEW"), found)),
                        Aml.Increment(found),
                        Aml.Store(one, more)),
                    Aml.Else(Aml.If(Aml.LEqual(Aml.Path(Registers + "CRMV"), one),
                        Aml.Call("CTFY", uid, Aml.CompactInteger(3)),
                        Aml.Store(one, Aml.Path(Registers + "CRMV")),
                        Aml.Store(one, more))),
                    Aml.Increment(uid)),
                Aml.Store(zero, j),
                Aml.While(Aml.LLess(j, found),
                    Aml.Store(Aml.DerefOf(Aml.Index(Aml.Path("CNEW"), j)), uid),
                    Aml.Call("CTFY", uid, one),
                    Aml.Store(uid, Aml.Debug()),
                    Aml.Store(uid, Aml.Path(Registers + "CSEL")),
                    Aml.Store(one, Aml.Path(Registers + "CINS")),
                    Aml.Increment(j))),
            Aml.Release(Lock));
    }
}
