namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The arm64-only nodes of <see cref="FdtBuilder"/>: cpus, psci, GIC and arch timer.</summary>
internal static class FdtArm64Nodes
{
    /// <summary>The GIC's phandle; Firecracker (aarch64/fdt.rs GIC_PHANDLE) and Cloud Hypervisor use 1.</summary>
    public const uint GicPhandle = 1;

    // Linux bindings interrupt-controller/arm,gic.yaml: cell 1 is 0 for SPI, 1 for PPI; cell 3 holds
    // the trigger type (dt-bindings/interrupt-controller/irq.h IRQ_TYPE_LEVEL_HIGH = 4) and, for GICv2
    // PPIs, a CPU mask in bits [15:8].
    private const uint SpiType = 0;
    private const uint PpiType = 1;
    private const uint LevelHigh = 4;

    // Linux bindings timer/arm,arch_timer.yaml order: secure phys, non-secure phys, virtual, hypervisor;
    // PPIs 13, 14, 11, 10 as Firecracker and QEMU virt wire them.
    private static readonly uint[] TimerPpis = [13, 14, 11, 10];

    /// <summary>The three-cell GIC specifier of a level-high SPI.</summary>
    public static uint[] SpiSpecifier(uint spi) => [SpiType, spi, LevelHigh];

    /// <summary>
    /// The MPIDR KVM gives vCPU <paramref name="cpu"/>: Aff0 = id[3:0], Aff1 = id[11:4], Aff2 = id[19:12]
    /// (Linux arch/arm64/kvm/sys_regs.c reset_mpidr); the cpu node's reg (Firecracker masks 0x7FFFFF).
    /// </summary>
    public static uint Mpidr(int cpu) =>
        (uint)((cpu & 0xF) | (((cpu >> 4) & 0xFF) << 8) | (((cpu >> 12) & 0xFF) << 16));

    public static void Write(FdtWriter w, FdtGuestDescription guest)
    {
        WriteCpus(w, guest.CpuCount);
        WritePsci(w, guest.Arm64);
        WriteGic(w, guest.Arm64, guest.CpuCount);
        WriteTimer(w, guest.Arm64.Gic, guest.CpuCount);
    }

    private static void WriteCpus(FdtWriter w, int cpuCount)
    {
        // One address cell holds Aff2..Aff0, as in Cloud Hypervisor's cpus node.
        w.BeginNode("cpus");
        w.PropertyU32("#address-cells", 1);
        w.PropertyU32("#size-cells", 0);
        for (int cpu = 0; cpu < cpuCount; cpu++)
        {
            uint mpidr = Mpidr(cpu);
            w.BeginNode($"cpu@{mpidr:x}");
            w.PropertyString("device_type", "cpu");
            w.PropertyString("compatible", "arm,arm-v8");
            w.PropertyString("enable-method", "psci");
            w.PropertyU32("reg", mpidr);
            w.EndNode();
        }

        w.EndNode();
    }

    private static void WritePsci(FdtWriter w, FdtArm64Platform platform)
    {
        // Linux bindings arm/psci.yaml.
        w.BeginNode("psci");
        if (platform.PsciVersion == FdtPsciVersion.V1_0)
        {
            w.PropertyStringList("compatible", "arm,psci-1.0", "arm,psci-0.2");
        }
        else
        {
            w.PropertyString("compatible", "arm,psci-0.2");
        }

        w.PropertyString("method", platform.PsciMethod == FdtPsciMethod.Hvc ? "hvc" : "smc");
        w.EndNode();
    }

    private static void WriteGic(FdtWriter w, FdtArm64Platform platform, int cpuCount)
    {
        var dist = platform.GicDistributor;
        w.BeginNode($"interrupt-controller@{dist.Address:x}");
        if (platform.Gic == FdtGicVersion.V3)
        {
            w.PropertyString("compatible", "arm,gic-v3");
            ulong redistSize = FdtArm64Platform.RedistributorStride * (ulong)cpuCount;
            w.PropertyU64Array("reg", [dist.Address, dist.Size, platform.GicRedistributorBase, redistSize]);
        }
        else
        {
            // Firecracker and QEMU advertise a GICv2 as the Cortex-A15 one.
            w.PropertyString("compatible", "arm,cortex-a15-gic");
            var cpuIf = platform.GicCpuInterface;
            w.PropertyU64Array("reg", [dist.Address, dist.Size, cpuIf.Address, cpuIf.Size]);
        }

        w.PropertyU32("#interrupt-cells", 3);
        w.PropertyU32("#address-cells", 0);
        w.PropertyEmpty("interrupt-controller");
        w.PropertyU32("phandle", GicPhandle);
        w.EndNode();
    }

    private static void WriteTimer(FdtWriter w, FdtGicVersion gic, int cpuCount)
    {
        uint flags = gic == FdtGicVersion.V2 ? LevelHigh | ((1u << cpuCount) - 1) << 8 : LevelHigh;
        uint[] interrupts = new uint[TimerPpis.Length * 3];
        for (int i = 0; i < TimerPpis.Length; i++)
        {
            interrupts[i * 3] = PpiType;
            interrupts[(i * 3) + 1] = TimerPpis[i];
            interrupts[(i * 3) + 2] = flags;
        }

        w.BeginNode("timer");
        w.PropertyString("compatible", "arm,armv8-timer");
        w.PropertyU32Array("interrupts", interrupts);
        w.PropertyEmpty("always-on");
        w.EndNode();
    }
}
