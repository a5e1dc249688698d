namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The riscv64-only nodes of <see cref="FdtBuilder"/>: cpus with per-hart interrupt controllers, and a PLIC.</summary>
internal static class FdtRiscv64Nodes
{
    // RISC-V privileged spec, scause interrupt codes: 9 = supervisor external interrupt. A guest kernel
    // runs in S-mode, so each hart's PLIC context targets that line (QEMU virt does the same under KVM).
    private const uint SupervisorExternalInterrupt = 9;

    /// <summary>Phandle of hart <paramref name="hart"/>'s <c>riscv,cpu-intc</c>: 1 + hart.</summary>
    public static uint CpuIntcPhandle(int hart) => (uint)hart + 1;

    /// <summary>Phandle of the PLIC: right after the harts' controllers.</summary>
    public static uint PlicPhandle(FdtGuestDescription guest) => CpuIntcPhandle(guest.CpuCount);

    public static void Write(FdtWriter w, FdtGuestDescription guest)
    {
        WriteCpus(w, guest.Riscv64, guest.CpuCount);
        WritePlic(w, guest);
    }

    private static void WriteCpus(FdtWriter w, FdtRiscv64Platform platform, int hartCount)
    {
        // Linux bindings riscv/cpus.yaml and interrupt-controller/riscv,cpu-intc.yaml.
        w.BeginNode("cpus");
        w.PropertyU32("#address-cells", 1);
        w.PropertyU32("#size-cells", 0);
        w.PropertyU32("timebase-frequency", platform.TimebaseFrequency);
        for (int hart = 0; hart < hartCount; hart++)
        {
            w.BeginNode($"cpu@{hart:x}");
            w.PropertyString("device_type", "cpu");
            w.PropertyU32("reg", (uint)hart);
            w.PropertyString("status", "okay");
            w.PropertyString("compatible", "riscv");
            w.PropertyString("riscv,isa", platform.Isa);
            w.PropertyString("mmu-type", platform.MmuType);
            w.BeginNode("interrupt-controller");
            w.PropertyU32("#interrupt-cells", 1);
            w.PropertyU32("#address-cells", 0);
            w.PropertyEmpty("interrupt-controller");
            w.PropertyString("compatible", "riscv,cpu-intc");
            w.PropertyU32("phandle", CpuIntcPhandle(hart));
            w.EndNode();
            w.EndNode();
        }

        w.EndNode();
    }

    private static void WritePlic(FdtWriter w, FdtGuestDescription guest)
    {
        // Linux bindings interrupt-controller/sifive,plic-1.0.0.yaml: one context per hart.
        uint[] contexts = new uint[guest.CpuCount * 2];
        for (int hart = 0; hart < guest.CpuCount; hart++)
        {
            contexts[hart * 2] = CpuIntcPhandle(hart);
            contexts[(hart * 2) + 1] = SupervisorExternalInterrupt;
        }

        var plic = guest.Riscv64.Plic;
        w.BeginNode($"interrupt-controller@{plic.Address:x}");
        w.PropertyStringList("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        w.PropertyU64Array("reg", [plic.Address, plic.Size]);
        w.PropertyU32("#interrupt-cells", 1);
        w.PropertyU32("#address-cells", 0);
        w.PropertyEmpty("interrupt-controller");
        w.PropertyU32Array("interrupts-extended", contexts);
        w.PropertyU32("riscv,ndev", guest.Riscv64.PlicSources);
        w.PropertyU32("phandle", PlicPhandle(guest));
        w.EndNode();
    }
}
