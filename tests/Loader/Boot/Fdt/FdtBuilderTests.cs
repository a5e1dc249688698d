using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

[TestFixture]
public sealed class FdtBuilderTests
{
    private static readonly byte[] Seed = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();

    // firecracker src/vmm/src/arch/aarch64/layout.rs: Firecracker's memory node starts 2 MiB above DRAM 0x80000000.
    private static FdtGuestDescription Arm64(int cpus = 2) => new()
    {
        Architecture = FdtArchitecture.Arm64,
        Memory = [new FdtRegion(0x8020_0000, 0x0FE0_0000)],
        CpuCount = cpus,
        Bootargs = "console=ttyAMA0 reboot=k panic=1",
        Initrd = new FdtRegion(0x8F00_0000, 0x12345),
        RngSeed = Seed,
        KaslrSeed = 0x0123_4567_89AB_CDEF,
    };

    // cloud-hypervisor arch/src/riscv64/layout.rs: Cloud Hypervisor riscv64 RAM starts at 0x40000000.
    private static FdtGuestDescription Riscv64(int harts = 3) => new()
    {
        Architecture = FdtArchitecture.Riscv64,
        Memory = [new FdtRegion(0x4000_0000, 0x2000_0000), new FdtRegion(0x1_0000_0000, 0x1000_0000)],
        CpuCount = harts,
        Bootargs = "console=ttyS0",
    };

    [Test]
    public void Arm64_root_and_chosen_carry_what_the_kernel_reads()
    {
        var tree = FdtReader.Read(FdtBuilder.Build(Arm64()));

        // firecracker src/vmm/src/arch/aarch64/fdt.rs, cloud-hypervisor arch/src/aarch64/fdt.rs: root compatible "linux,dummy-virt", cells 2/2, interrupt-parent = GIC.
        tree.Root.FindProperty("compatible")!.AsString().ShouldBe("linux,dummy-virt");
        tree.Root.FindProperty("#address-cells")!.AsU32().ShouldBe(2u);
        tree.Root.FindProperty("#size-cells")!.AsU32().ShouldBe(2u);
        uint gicPhandle = tree.FindProperty("/interrupt-controller@8000000", "phandle")!.AsU32();
        tree.Root.FindProperty("interrupt-parent")!.AsU32().ShouldBe(gicPhandle);
        gicPhandle.ShouldBe(1u); // Firecracker aarch64/fdt.rs GIC_PHANDLE = 1

        var chosen = tree.FindNode("/chosen")!;
        chosen.FindProperty("bootargs")!.AsString().ShouldBe("console=ttyAMA0 reboot=k panic=1");
        chosen.FindProperty("linux,initrd-start")!.AsU64().ShouldBe(0x8F00_0000ul);
        chosen.FindProperty("linux,initrd-end")!.AsU64().ShouldBe(0x8F01_2345ul); // exclusive end
        chosen.FindProperty("rng-seed")!.Value.ToArray().ShouldBe(Seed);
        chosen.FindProperty("kaslr-seed")!.AsU64().ShouldBe(0x0123_4567_89AB_CDEFul);
        tree.FindNode(chosen.FindProperty("stdout-path")!.AsString())!
            .FindProperty("compatible")!.AsStringList().ShouldBe(["arm,pl011", "arm,primecell"]);

        var memory = tree.FindNode("/memory@80200000")!;
        memory.FindProperty("device_type")!.AsString().ShouldBe("memory");
        memory.FindProperty("reg")!.AsU32Array().ShouldBe([0u, 0x8020_0000u, 0u, 0x0FE0_0000u]);
    }

    [Test]
    public void Optional_chosen_properties_are_absent_when_not_given()
    {
        var tree = FdtReader.Read(FdtBuilder.Build(Arm64() with { Initrd = null, RngSeed = null, KaslrSeed = null }));

        var chosen = tree.FindNode("/chosen")!;
        chosen.Properties.Select(p => p.Name).ShouldBe(["bootargs", "stdout-path"]);
    }

    [TestCase(0, 0x000u)]
    [TestCase(15, 0x00Fu)]
    [TestCase(16, 0x100u)]
    [TestCase(17, 0x101u)]
    public void Arm64_cpu_reg_is_the_KVM_MPIDR(int cpu, uint mpidr)
    {
        // Linux arch/arm64/kvm/sys_regs.c reset_mpidr: Aff0 = id & 0xF, Aff1 = (id >> 4) & 0xFF.
        var tree = FdtReader.Read(FdtBuilder.Build(Arm64(cpus: 18)));

        var node = tree.FindNode($"/cpus/cpu@{mpidr:x}")!;
        node.FindProperty("reg")!.AsU32().ShouldBe(mpidr);
        node.FindProperty("device_type")!.AsString().ShouldBe("cpu");
        node.FindProperty("compatible")!.AsString().ShouldBe("arm,arm-v8");
        node.FindProperty("enable-method")!.AsString().ShouldBe("psci");
        tree.FindNode("/cpus")!.Children.Count.ShouldBe(18);
    }

    [Test]
    public void Arm64_gicv3_timer_and_psci_defaults()
    {
        var tree = FdtReader.Read(FdtBuilder.Build(Arm64(cpus: 4)));

        var gic = tree.FindNode("/interrupt-controller@8000000")!;
        gic.FindProperty("compatible")!.AsString().ShouldBe("arm,gic-v3");
        gic.FindProperty("#interrupt-cells")!.AsU32().ShouldBe(3u);
        gic.FindProperty("interrupt-controller").ShouldNotBeNull();
        // QEMU hw/arm/virt.c base_memmap: GIC_DIST 0x08000000/64K, GIC_REDIST 0x080A0000; 128 KiB per CPU.
        gic.FindProperty("reg")!.AsU32Array().ShouldBe([0u, 0x0800_0000u, 0u, 0x1_0000u, 0u, 0x080A_0000u, 0u, 4 * 0x2_0000u]);

        // timer/arm,arch_timer.yaml: PPIs 13, 14, 11, 10 (Firecracker fdt.rs create_timer_node), level-high.
        var timer = tree.FindNode("/timer")!;
        timer.FindProperty("compatible")!.AsString().ShouldBe("arm,armv8-timer");
        timer.FindProperty("interrupts")!.AsU32Array().ShouldBe([1u, 13u, 4u, 1u, 14u, 4u, 1u, 11u, 4u, 1u, 10u, 4u]);

        var psci = tree.FindNode("/psci")!;
        psci.FindProperty("compatible")!.AsString().ShouldBe("arm,psci-0.2");
        psci.FindProperty("method")!.AsString().ShouldBe("hvc");
    }

    [Test]
    public void Arm64_gicv2_psci_1_0_smc_and_16550()
    {
        var guest = Arm64(cpus: 3) with
        {
            Arm64 = new FdtArm64Platform { Gic = FdtGicVersion.V2, PsciVersion = FdtPsciVersion.V1_0, PsciMethod = FdtPsciMethod.Smc },
            Uart = new FdtUart(FdtUartModel.Ns16550a, new FdtRegion(0x4000_2000, 0x1000), 33, 3_686_400),
        };
        var tree = FdtReader.Read(FdtBuilder.Build(guest));

        var gic = tree.FindNode("/interrupt-controller@8000000")!;
        gic.FindProperty("compatible")!.AsString().ShouldBe("arm,cortex-a15-gic");
        gic.FindProperty("reg")!.AsU32Array().ShouldBe([0u, 0x0800_0000u, 0u, 0x1_0000u, 0u, 0x0801_0000u, 0u, 0x1_0000u]);
        // arm,gic.yaml: GICv2 PPI flags carry a CPU mask in bits [15:8]: 3 CPUs -> 0x7.
        tree.FindProperty("/timer", "interrupts")!.AsU32Array()[2].ShouldBe(0x704u);
        tree.FindProperty("/psci", "compatible")!.AsStringList().ShouldBe(["arm,psci-1.0", "arm,psci-0.2"]);
        tree.FindProperty("/psci", "method")!.AsString().ShouldBe("smc");

        var uart = tree.FindNode("/serial@40002000")!;
        uart.FindProperty("compatible")!.AsString().ShouldBe("ns16550a");
        uart.FindProperty("interrupts")!.AsU32Array().ShouldBe([0u, 33u, 4u]); // SPI 33, level-high
        uart.FindProperty("clock-frequency")!.AsU32().ShouldBe(3_686_400u);
        tree.FindNode("/apb-pclk").ShouldBeNull();
        tree.FindProperty("/chosen", "stdout-path")!.AsString().ShouldBe("/serial@40002000");
    }

    [Test]
    public void Arm64_pl011_is_clocked_by_a_24MHz_fixed_clock()
    {
        var tree = FdtReader.Read(FdtBuilder.Build(Arm64()));

        var clock = tree.FindNode("/apb-pclk")!;
        clock.FindProperty("compatible")!.AsString().ShouldBe("fixed-clock");
        clock.FindProperty("clock-frequency")!.AsU32().ShouldBe(24_000_000u); // firecracker src/vmm/src/arch/aarch64/fdt.rs apb-pclk 24 MHz
        uint phandle = clock.FindProperty("phandle")!.AsU32();
        phandle.ShouldBe(2u); // after the GIC

        var uart = tree.FindNode("/serial@9000000")!; // QEMU virt VIRT_UART, SPI 1
        uart.FindProperty("reg")!.AsU32Array().ShouldBe([0u, 0x0900_0000u, 0u, 0x1000u]);
        uart.FindProperty("interrupts")!.AsU32Array().ShouldBe([0u, 1u, 4u]);
        uart.FindProperty("clocks")!.AsU32Array().ShouldBe([phandle, phandle]);
        uart.FindProperty("clock-names")!.AsStringList().ShouldBe(["uartclk", "apb_pclk"]);
    }

    [Test]
    public void Riscv64_harts_have_cpu_intc_and_the_plic_targets_each_in_S_mode()
    {
        var tree = FdtReader.Read(FdtBuilder.Build(Riscv64(harts: 3)));

        tree.FindProperty("/cpus", "timebase-frequency")!.AsU32().ShouldBe(10_000_000u);
        var intcPhandles = new List<uint>();
        for (int hart = 0; hart < 3; hart++)
        {
            var cpu = tree.FindNode($"/cpus/cpu@{hart}")!;
            cpu.FindProperty("reg")!.AsU32().ShouldBe((uint)hart);
            cpu.FindProperty("compatible")!.AsString().ShouldBe("riscv");
            cpu.FindProperty("riscv,isa")!.AsString().ShouldBe("rv64imafdc");
            cpu.FindProperty("mmu-type")!.AsString().ShouldBe("riscv,sv48"); // cloud-hypervisor arch/src/riscv64/fdt.rs
            var intc = cpu.FindChild("interrupt-controller")!;
            intc.FindProperty("compatible")!.AsString().ShouldBe("riscv,cpu-intc");
            intc.FindProperty("#interrupt-cells")!.AsU32().ShouldBe(1u);
            intcPhandles.Add(intc.FindProperty("phandle")!.AsU32());
        }

        intcPhandles.ShouldBe([1u, 2u, 3u]);
        var plic = tree.FindNode("/interrupt-controller@c000000")!;
        plic.FindProperty("compatible")!.AsStringList().ShouldBe(["sifive,plic-1.0.0", "riscv,plic0"]);
        // sifive,plic-1.0.0.yaml: interrupts-extended = <&hart-intc 9> per hart; 9 = S-mode external.
        plic.FindProperty("interrupts-extended")!.AsU32Array().ShouldBe([1u, 9u, 2u, 9u, 3u, 9u]);
        uint plicPhandle = plic.FindProperty("phandle")!.AsU32();
        plicPhandle.ShouldBe(4u);
        tree.Root.FindProperty("interrupt-parent")!.AsU32().ShouldBe(plicPhandle);

        var uart = tree.FindNode(tree.FindProperty("/chosen", "stdout-path")!.AsString())!;
        uart.Name.ShouldBe("serial@10000000"); // QEMU hw/riscv/virt.c VIRT_UART0, UART0_IRQ 10
        uart.FindProperty("interrupts")!.AsU32Array().ShouldBe([10u]);
        uart.FindProperty("clock-frequency")!.AsU32().ShouldBe(3_686_400u);
        tree.FindNode("/memory@40000000")!.FindProperty("reg")!.AsU32Array().ShouldBe([0u, 0x4000_0000u, 0u, 0x2000_0000u]);
        tree.FindNode("/memory@100000000")!.FindProperty("reg")!.AsU32Array().ShouldBe([1u, 0u, 0u, 0x1000_0000u]);
        tree.FindNode("/psci").ShouldBeNull();
        tree.FindNode("/timer").ShouldBeNull();
    }

    [Test]
    public void Build_is_deterministic_and_passes_reservations_through()
    {
        var guest = Riscv64() with { MemoryReservations = [new FdtRegion(0x4000_0000, 0x1_0000)] };

        byte[] first = FdtBuilder.Build(guest);

        FdtBuilder.Build(guest).ShouldBe(first);
        FdtReader.Read(first).MemoryReservations.ShouldBe([new FdtRegion(0x4000_0000, 0x1_0000)]);
    }

    private static IEnumerable<TestCaseData> BadDescriptions()
    {
        yield return Case("no memory", Arm64() with { Memory = [] });
        yield return Case("empty memory bank", Arm64() with { Memory = [new FdtRegion(0x8000_0000, 0)] });
        yield return Case("memory bank wraps", Arm64() with { Memory = [new FdtRegion(ulong.MaxValue - 0xFFF, 0x2000)] });
        yield return Case("duplicate memory bank", Arm64() with { Memory = [new FdtRegion(0x8000_0000, 0x1000), new FdtRegion(0x8000_0000, 0x2000)] });
        yield return Case("zero cpus", Arm64(cpus: 0));
        yield return Case("GICv2 with 9 cpus", Arm64(cpus: 9) with { Arm64 = new FdtArm64Platform { Gic = FdtGicVersion.V2 } });
        yield return Case("initrd wraps", Arm64() with { Initrd = new FdtRegion(ulong.MaxValue, 2) });
        yield return Case("empty rng-seed", Arm64() with { RngSeed = Array.Empty<byte>() });
        yield return Case("bootargs with NUL", Arm64() with { Bootargs = "a\0b" });
        yield return Case("riscv,isa with NUL", Riscv64() with { Riscv64 = new FdtRiscv64Platform { Isa = "rv64\0" } });

        static TestCaseData Case(string name, FdtGuestDescription guest) => new TestCaseData(guest).SetName($"Rejects: {name}");
    }

    [TestCaseSource(nameof(BadDescriptions))]
    public void Inconsistent_descriptions_throw_InvalidDeviceTree(FdtGuestDescription guest)
    {
        Should.Throw<LoaderException>(() => FdtBuilder.Build(guest)).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }
}
