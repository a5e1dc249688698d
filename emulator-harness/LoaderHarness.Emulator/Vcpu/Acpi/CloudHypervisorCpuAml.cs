using static LoaderHarness.Emulator.Vcpu.Acpi.CloudHypervisorPlatformDevices;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// Cloud Hypervisor v53.0's CPU objects in the DSDT: vmm/src/cpu.rs <c>impl Aml for CpuManager</c>, with CPU hotplug
/// dynamic (<c>dynamic = !tdx_enabled</c>) so the x86_64 hotplug controller _SB_.PRES exists, <c>CpuMethods</c> and
/// one <c>Cpu</c> device per vCPU up to max_vcpus (here equal to the boot vCPUs), encoded as acpi_tables 0.2.1 does.
/// </summary>
public static class CloudHypervisorCpuAml
{
    private const string Lock = "\\_SB_.PRES.CPLK";
    private const string Select = "\\_SB_.PRES.CSEL";

    /// <summary>
    /// _SB_.PRES: the PRST registers at the CPU manager's MMIO window: CPEN, CINS, CRMV, CEJ0 bits at byte 4, CCMD
    /// at byte 5 (byte access, write as zeros), CSEL at 0 and CDAT at 8 (dword access, preserve).
    /// </summary>
    public static byte[] HotplugController() =>
        Aml.Device("_SB_.PRES",
            Aml.Name("_HID", Aml.EisaId("PNP0A06")),
            Aml.Name("_UID", Aml.String("CPU Hotplug Controller")),
            Aml.Mutex("CPLK", 0),
            Aml.Name("_CRS", CloudHypervisorDsdt.MmioWindow(CpuManagerAcpiAddress, CpuManagerAcpiSize)),
            AmlField.OperationRegion("PRST", AmlField.SystemMemory, CpuManagerAcpiAddress, CpuManagerAcpiSize),
            AmlField.Field("PRST", AmlField.Access.Byte, false, AmlField.Update.WriteAsZeros,
                AmlField.Entry.Reserved(32),
                AmlField.Entry.Named("CPEN", 1), AmlField.Entry.Named("CINS", 1), AmlField.Entry.Named("CRMV", 1), AmlField.Entry.Named("CEJ0", 1),
                AmlField.Entry.Reserved(4),
                AmlField.Entry.Named("CCMD", 8)),
            AmlField.Field("PRST", AmlField.Access.DWord, false, AmlField.Update.Preserve,
                AmlField.Entry.Named("CSEL", 32), AmlField.Entry.Reserved(32), AmlField.Entry.Named("CDAT", 32)));

    /// <summary>_SB_.CPUS: HID ACPI0010, CID PNP0A05, the CpuMethods (CSTA, CTFY, CEJ0, CSCN), then C000… (hex).</summary>
    public static byte[] Cpus(int vcpus = 1)
    {
        var children = new List<byte[]>
        {
            Aml.Name("_HID", Aml.String("ACPI0010")),
            Aml.Name("_CID", Aml.EisaId("PNP0A05")),
            // CSTA(cpu): select it, return 0xF if CPEN is set, else 0.
            Aml.Method("CSTA", 1, true,
                Aml.Acquire(Lock, 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path(Select)),
                Aml.Store(Aml.CompactInteger(0), Aml.Local(0)),
                Aml.If(Aml.LEqual(Aml.Path("\\_SB_.PRES.CPEN"), Aml.CompactInteger(1)), Aml.Store(Aml.CompactInteger(0xF), Aml.Local(0))),
                Aml.Release(Lock),
                Aml.Return(Aml.Local(0))),
            // CTFY(cpu, event): Notify(Cnnn, event) for the matching CPU.
            Aml.Method("CTFY", 2, true, [.. Enumerable.Range(0, vcpus).Select(i =>
                Aml.If(Aml.LEqual(Aml.Arg(0), Aml.CompactInteger((ulong)i)), Aml.Notify($"C{i:X3}", Aml.Arg(1))))]),
            // CEJ0(cpu): select it and set its CEJ0 bit.
            Aml.Method("CEJ0", 1, true,
                Aml.Acquire(Lock, 0xFFFF),
                Aml.Store(Aml.Arg(0), Aml.Path(Select)),
                Aml.Store(Aml.CompactInteger(1), Aml.Path("\\_SB_.PRES.CEJ0")),
                Aml.Release(Lock)),
            // CSCN: for each CPU, notify 1 (device check) if CINS, 3 (eject) if CRMV, acknowledging each bit.
            Aml.Method("CSCN", 0, true,
                Aml.Acquire(Lock, 0xFFFF),
                Aml.Store(Aml.CompactInteger(0), Aml.Local(0)),
                Aml.While(Aml.LLess(Aml.Local(0), Aml.CompactInteger((ulong)vcpus)),
                    Aml.Store(Aml.Local(0), Aml.Path(Select)),
                    Aml.If(Aml.LEqual(Aml.Path("\\_SB_.PRES.CINS"), Aml.CompactInteger(1)),
                        Aml.Call("CTFY", Aml.Local(0), Aml.CompactInteger(1)),
                        Aml.Store(Aml.CompactInteger(1), Aml.Path("\\_SB_.PRES.CINS"))),
                    Aml.If(Aml.LEqual(Aml.Path("\\_SB_.PRES.CRMV"), Aml.CompactInteger(1)),
                        Aml.Call("CTFY", Aml.Local(0), Aml.CompactInteger(3)),
                        Aml.Store(Aml.CompactInteger(1), Aml.Path("\\_SB_.PRES.CRMV"))),
                    Aml.Add(Aml.Local(0), Aml.CompactInteger(1), Aml.Local(0))),
                Aml.Release(Lock)),
        };
        for (var i = 0; i < vcpus; i++)
            children.Add(Cpu((uint)i));
        return Aml.Device("_SB_.CPUS", [.. children]);
    }

    /// <summary>
    /// The dynamic <c>Cpu</c> device: HID ACPI0007, UID cpu, _STA returning CSTA(cpu), _PXM 0 (no NUMA), _MAT the
    /// Local x2APIC structure with only Enabled set (cpu.rs generate_mat; x2APIC ID = cpu for one thread per core),
    /// and _EJ0 calling CEJ0(cpu).
    /// </summary>
    private static byte[] Cpu(uint cpu) =>
        Aml.Device($"C{cpu:X3}",
            Aml.Name("_HID", Aml.String("ACPI0007")),
            Aml.Name("_UID", Aml.CompactInteger(cpu)),
            Aml.Method("_STA", 0, false, Aml.Return(Aml.Call("CSTA", Aml.CompactInteger(cpu)))),
            Aml.Method("_PXM", 0, false, Aml.Return(Aml.CompactInteger(0))),
            Aml.Name("_MAT", Aml.Buffer(Madt.LocalX2Apic(cpu, 1, cpu))),
            Aml.Method("_EJ0", 1, false, Aml.Call("CEJ0", Aml.CompactInteger(cpu))));
}
