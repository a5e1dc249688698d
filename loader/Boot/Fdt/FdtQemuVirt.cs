using System.Buffers.Binary;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// The device tree QEMU 7.2 <c>-M virt -cpu cortex-a57 -smp 1</c> (gic-version 2, no EL2/EL3, highmem on) hands
/// an arm64 kernel, byte for byte: the nodes hw/arm/virt.c's create_fdt, fdt_add_*_node and create_* functions
/// write (values from its base_memmap, a15irqmap and the phandles it allocates from 0x8000), then what
/// hw/arm/boot.c arm_load_dtb adds to /chosen. libfdt inserts each new property and subnode in front of its
/// siblings, so the blob lists them in the reverse of QEMU's calls; its strings block holds names in call order;
/// the tree sits in a 1 MiB buffer (virt.c FDT_MAX_SIZE) with the reservation map at 48 (libfdt fdt_create).
/// Only RAM, the command line, the initrd and the two seeds vary.
/// </summary>
internal static class FdtQemuVirt
{
    /// <summary>virt.c FDT_MAX_SIZE: the DTB's totalsize.</summary>
    public const int TotalSize = 0x10_0000;

    // Phandles in allocation order (virt.c create_fdt: clock; fdt_add_cpu_nodes: cpu; create_gic; v2m; gpio).
    private const uint ClockPhandle = 0x8000;
    private const uint CpuPhandle = 0x8001;
    private const uint GicPhandle = 0x8002;
    private const uint MsiPhandle = 0x8003;
    private const uint GpioPhandle = 0x8004;

    // dt-bindings/interrupt-controller/arm-gic.h GIC_SPI 0 / GIC_PPI 1; irq.h IRQ_TYPE_EDGE_RISING 1, LEVEL_HIGH 4;
    // virt.c GIC_FDT_IRQ_PPI_CPU_WIDTH: GICv2 PPIs carry the CPU mask (1 CPU: 1) in bits [15:8].
    private const uint Spi = 0, Ppi = 1, Edge = 1, Level = 4, PpiLevel = (1u << 8) | Level;

    // virt.c NUM_VIRTIO_TRANSPORTS; base_memmap VIRT_MMIO 0x0a000000 + 0x200 each; a15irqmap VIRT_MMIO = 16.
    private const int VirtioTransports = 32;

    /// <summary>The strings block of QEMU's tree in libfdt's order: names enter on their first setprop.</summary>
    private static string[] Strings(bool bootargs, bool initrd) =>
    [
        "compatible", "#address-cells", "#size-cells", "model", "kaslr-seed", "rng-seed", "#clock-cells",
        "clock-frequency", "clock-output-names", "phandle", "always-on", "interrupts", "device_type", "reg", "cpu",
        "bank-width", "interrupt-parent", "#interrupt-cells", "interrupt-controller", "ranges", "msi-controller",
        "clocks", "clock-names", "stdout-path", "linux,pci-domain", "bus-range", "dma-coherent", "msi-map",
        "interrupt-map", "interrupt-map-mask", "#gpio-cells", "gpio-controller", "label", "linux,code", "gpios",
        .. bootargs ? (string[])["bootargs"] : [],
        .. initrd ? (string[])["linux,initrd-start", "linux,initrd-end"] : [],
        // fdt_add_psci_node runs from virt_machine_done, after arm_load_dtb's /chosen edits.
        "method", "cpu_suspend", "cpu_off", "cpu_on", "migrate",
    ];

    public static byte[] Build(FdtGuestDescription guest)
    {
        var w = new FdtWriter { ReservationMapOffset = 48, MinimumTotalSize = TotalSize };
        w.PreloadStrings(Strings(guest.Bootargs.Length > 0, guest.Initrd is not null));
        w.BeginNode("");
        w.PropertyU32("interrupt-parent", GicPhandle);
        w.PropertyString("model", "linux,dummy-virt");
        w.PropertyU32("#size-cells", 2);
        w.PropertyU32("#address-cells", 2);
        w.PropertyString("compatible", "linux,dummy-virt");

        // fdt_add_psci_node: PSCI 0.2+ function IDs (include/hw/arm/psci... QEMU_PSCI_0_2_FN64_* for an AArch64 CPU).
        w.BeginNode("psci");
        w.PropertyU32("migrate", 0xC400_0005);
        w.PropertyU32("cpu_on", 0xC400_0003);
        w.PropertyU32("cpu_off", 0x8400_0002);
        w.PropertyU32("cpu_suspend", 0xC400_0001);
        w.PropertyString("method", guest.Arm64.PsciMethod == FdtPsciMethod.Hvc ? "hvc" : "smc");
        w.PropertyStringList("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci");
        w.EndNode();

        foreach (var bank in guest.Memory)
        {
            // arm_load_dtb → fdt_add_memory_node.
            w.BeginNode($"memory@{bank.Address:x}");
            w.PropertyU64Array("reg", [bank.Address, bank.Size]);
            w.PropertyString("device_type", "memory");
            w.EndNode();
        }

        // create_platform_bus (hw/arm/sysbus-fdt.c platform_bus_add_all_fdt_nodes): VIRT_PLATFORM_BUS 0x0c000000, 32 MiB.
        w.BeginNode("platform-bus@c000000");
        w.PropertyU32("interrupt-parent", GicPhandle);
        w.PropertyU32Array("ranges", [0, 0, 0x0C00_0000, 0x0200_0000]);
        w.PropertyU32("#address-cells", 1);
        w.PropertyU32("#size-cells", 1);
        w.PropertyStringList("compatible", "qemu,platform", "simple-bus");
        w.EndNode();

        // create_fw_cfg: VIRT_FW_CFG 0x09020000, 0x18.
        w.BeginNode("fw-cfg@9020000");
        w.PropertyEmpty("dma-coherent");
        w.PropertyU64Array("reg", [0x0902_0000, 0x18]);
        w.PropertyString("compatible", "qemu,fw-cfg-mmio");
        w.EndNode();

        // create_virtio_devices: created from the last transport down, so they list ascending.
        for (uint i = 0; i < VirtioTransports; i++)
        {
            var address = 0x0A00_0000UL + (i * 0x200);
            w.BeginNode($"virtio_mmio@{address:x}");
            w.PropertyEmpty("dma-coherent");
            w.PropertyU32Array("interrupts", [Spi, 16 + i, Edge]);
            w.PropertyU64Array("reg", [address, 0x200]);
            w.PropertyString("compatible", "virtio,mmio");
            w.EndNode();
        }

        // create_gpio_keys: the PL061's line 3 is the power button (linux,code KEY_POWER 116).
        w.BeginNode("gpio-keys");
        w.PropertyString("compatible", "gpio-keys");
        w.BeginNode("poweroff");
        w.PropertyU32Array("gpios", [GpioPhandle, 3, 0]);
        w.PropertyU32("linux,code", 0x74);
        w.PropertyString("label", "GPIO Key Poweroff");
        w.EndNode();
        w.EndNode();

        // create_gpio_devices: VIRT_GPIO 0x09030000, SPI 7.
        w.BeginNode("pl061@9030000");
        w.PropertyU32("phandle", GpioPhandle);
        w.PropertyString("clock-names", "apb_pclk");
        w.PropertyU32("clocks", ClockPhandle);
        w.PropertyU32Array("interrupts", [Spi, 7, Level]);
        w.PropertyEmpty("gpio-controller");
        w.PropertyU32("#gpio-cells", 2);
        w.PropertyStringList("compatible", "arm,pl061", "arm,primecell");
        w.PropertyU64Array("reg", [0x0903_0000, 0x1000]);
        w.EndNode();

        WritePcie(w);
        WritePrimecell(w, "pl031@9010000", 0x0901_0000, 2, "arm,pl031", ["apb_pclk"], [ClockPhandle]); // create_rtc
        WritePrimecell(w, "pl011@9000000", 0x0900_0000, 1, "arm,pl011", ["uartclk", "apb_pclk"], [ClockPhandle, ClockPhandle]); // create_uart

        // fdt_add_pmu_nodes: PPI 7 (VIRTUAL_PMU_IRQ).
        w.BeginNode("pmu");
        w.PropertyU32Array("interrupts", [Ppi, 7, PpiLevel]);
        w.PropertyString("compatible", "arm,armv8-pmuv3");
        w.EndNode();

        WriteGic(w);

        // create_flash: two 64 MiB banks at VIRT_FLASH 0.
        w.BeginNode("flash@0");
        w.PropertyU32("bank-width", 4);
        w.PropertyU64Array("reg", [0, 0x0400_0000, 0x0400_0000, 0x0400_0000]);
        w.PropertyString("compatible", "cfi-flash");
        w.EndNode();

        WriteCpus(w);

        // fdt_add_timer_nodes: secure, non-secure physical, virtual, hypervisor PPIs 13, 14, 11, 10.
        w.BeginNode("timer");
        w.PropertyU32Array("interrupts", [Ppi, 13, PpiLevel, Ppi, 14, PpiLevel, Ppi, 11, PpiLevel, Ppi, 10, PpiLevel]);
        w.PropertyEmpty("always-on");
        w.PropertyStringList("compatible", "arm,armv8-timer", "arm,armv7-timer");
        w.EndNode();

        // create_fdt: the 24 MHz APB clock every primecell names.
        w.BeginNode("apb-pclk");
        w.PropertyU32("phandle", ClockPhandle);
        w.PropertyString("clock-output-names", "clk24mhz");
        w.PropertyU32("clock-frequency", 24_000_000);
        w.PropertyU32("#clock-cells", 0);
        w.PropertyString("compatible", "fixed-clock");
        w.EndNode();

        WriteChosen(w, guest);
        w.EndNode();
        return w.Finish();
    }

    private static void WritePrimecell(FdtWriter w, string name, ulong address, uint spi, string compatible, string[] clockNames, uint[] clocks)
    {
        w.BeginNode(name);
        w.PropertyStringList("clock-names", clockNames);
        w.PropertyU32Array("clocks", clocks);
        w.PropertyU32Array("interrupts", [Spi, spi, Level]);
        w.PropertyU64Array("reg", [address, 0x1000]);
        w.PropertyStringList("compatible", compatible, "arm,primecell");
        w.EndNode();
    }

    /// <summary>create_pcie: ECAM VIRT_HIGH_PCIE_ECAM 0x40_1000_0000, PIO 0x3eff0000, MMIO 0x10000000, high MMIO 0x80_0000_0000; INTx on SPIs 3–6 swizzled by slot.</summary>
    private static void WritePcie(FdtWriter w)
    {
        w.BeginNode("pcie@10000000");
        w.PropertyU32Array("interrupt-map-mask", [0x1800, 0, 0, 7]);
        var map = new uint[4 * 4 * 10];
        var n = 0;
        for (uint slot = 0; slot < 4; slot++)
        {
            for (uint pin = 1; pin <= 4; pin++)
            {
                // child unit address (devfn << 8), pin; parent phandle, parent unit address (2 cells), GIC specifier.
                uint[] entry = [slot << 11, 0, 0, pin, GicPhandle, 0, 0, Spi, 3 + ((pin - 1 + slot) % 4), Level];
                entry.CopyTo(map, n);
                n += entry.Length;
            }
        }

        w.PropertyU32Array("interrupt-map", map);
        w.PropertyU32("#interrupt-cells", 1);
        w.PropertyU32Array("ranges",
        [
            0x0100_0000, 0, 0, 0, 0x3EFF_0000, 0, 0x1_0000,
            0x0200_0000, 0, 0x1000_0000, 0, 0x1000_0000, 0, 0x2EFF_0000,
            0x0300_0000, 0x80, 0, 0x80, 0, 0x80, 0,
        ]);
        w.PropertyU32Array("reg", [0x40, 0x1000_0000, 0, 0x1000_0000]);
        w.PropertyU32Array("msi-map", [0, MsiPhandle, 0, 0x1_0000]);
        w.PropertyEmpty("dma-coherent");
        w.PropertyU32Array("bus-range", [0, 0xFF]);
        w.PropertyU32("linux,pci-domain", 0);
        w.PropertyU32("#size-cells", 2);
        w.PropertyU32("#address-cells", 3);
        w.PropertyString("device_type", "pci");
        w.PropertyString("compatible", "pci-host-ecam-generic");
        w.EndNode();
    }

    /// <summary>create_gic / fdt_add_gic_node (VIRT_GIC_DIST, VIRT_GIC_CPU) and fdt_add_v2m_gic_node (VIRT_GIC_V2M).</summary>
    private static void WriteGic(FdtWriter w)
    {
        w.BeginNode("intc@8000000");
        w.PropertyU32("phandle", GicPhandle);
        w.PropertyU64Array("reg", [0x0800_0000, 0x1_0000, 0x0801_0000, 0x1_0000]);
        w.PropertyString("compatible", "arm,cortex-a15-gic");
        w.PropertyEmpty("ranges");
        w.PropertyU32("#size-cells", 2);
        w.PropertyU32("#address-cells", 2);
        w.PropertyEmpty("interrupt-controller");
        w.PropertyU32("#interrupt-cells", 3);
        w.BeginNode("v2m@8020000");
        w.PropertyU32("phandle", MsiPhandle);
        w.PropertyU64Array("reg", [0x0802_0000, 0x1000]);
        w.PropertyEmpty("msi-controller");
        w.PropertyString("compatible", "arm,gic-v2m-frame");
        w.EndNode();
        w.EndNode();
    }

    /// <summary>fdt_add_cpu_nodes: one Cortex-A57 at MPIDR 0 with its cpu-map; no enable-method with one CPU.</summary>
    private static void WriteCpus(FdtWriter w)
    {
        w.BeginNode("cpus");
        w.PropertyU32("#size-cells", 0);
        w.PropertyU32("#address-cells", 1);
        w.BeginNode("cpu-map");
        w.BeginNode("socket0");
        w.BeginNode("cluster0");
        w.BeginNode("core0");
        w.PropertyU32("cpu", CpuPhandle);
        w.EndNode();
        w.EndNode();
        w.EndNode();
        w.EndNode();
        w.BeginNode("cpu@0");
        w.PropertyU32("phandle", CpuPhandle);
        w.PropertyU32("reg", 0);
        w.PropertyString("compatible", "arm,cortex-a57");
        w.PropertyString("device_type", "cpu");
        w.EndNode();
        w.EndNode();
    }

    /// <summary>
    /// create_fdt's /chosen (kaslr-seed, rng-seed: 8 and 32 random bytes each boot; stdout-path from create_uart),
    /// then arm_load_dtb's bootargs and the initrd bounds as single cells (end exclusive).
    /// </summary>
    private static void WriteChosen(FdtWriter w, FdtGuestDescription guest)
    {
        w.BeginNode("chosen");
        if (guest.Initrd is { } initrd)
        {
            w.PropertyU32("linux,initrd-end", (uint)(initrd.Address + initrd.Size));
            w.PropertyU32("linux,initrd-start", (uint)initrd.Address);
        }

        if (guest.Bootargs.Length > 0)
        {
            w.PropertyString("bootargs", guest.Bootargs);
        }

        w.PropertyString("stdout-path", "/pl011@9000000");
        var rng = new byte[32];
        guest.RngSeed?.Span[..Math.Min(32, guest.RngSeed.Value.Length)].CopyTo(rng);
        w.Property("rng-seed", rng);
        Span<byte> kaslr = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(kaslr, guest.KaslrSeed ?? 0);
        w.Property("kaslr-seed", kaslr);
        w.EndNode();
    }
}
