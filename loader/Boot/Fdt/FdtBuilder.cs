using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// Builds the device tree blob a VMM hands an arm64 or riscv64 kernel, shaped like the trees Firecracker
/// and Cloud Hypervisor write (Firecracker src/vmm/src/arch/aarch64/fdt.rs, Cloud Hypervisor
/// arch/src/{aarch64,riscv64}/fdt.rs): root with 2/2 cells, chosen,
/// memory, cpus, interrupt controller(s), timer/PSCI on arm64, and one console UART.
/// </summary>
/// <remarks>
/// Interrupt controllers carry <c>#address-cells = 0</c> because dtc's interrupt_provider check wants
/// it (interrupt-map parents need it). Phandles are numbered from 1 in a fixed order: arm64 GIC = 1 (as Firecracker and Cloud Hypervisor);
/// riscv64 hart interrupt controllers = 1..N, PLIC = N + 1; then the PL011 clock, if any.
/// </remarks>
public static class FdtBuilder
{
    /// <summary>Validates <paramref name="guest"/> and returns its DTB.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidDeviceTree"/> when the description is inconsistent.</exception>
    public static byte[] Build(FdtGuestDescription guest)
    {
        Validate(guest);
        if (guest.Board == FdtBoard.QemuVirt && guest.Architecture == FdtArchitecture.Arm64)
        {
            return FdtQemuVirt.Build(guest);
        }

        bool arm64 = guest.Architecture == FdtArchitecture.Arm64;
        var uart = guest.EffectiveUart;
        uint nextPhandle = arm64 ? FdtArm64Nodes.GicPhandle + 1 : FdtRiscv64Nodes.PlicPhandle(guest) + 1;
        uint? clockPhandle = uart.Model == FdtUartModel.Pl011 ? nextPhandle : null;
        string uartName = $"serial@{uart.Registers.Address:x}";

        // §5.2 boot_cpuid_phys is the boot CPU's reg: MPIDR 0 / hart 0.
        var w = new FdtWriter { BootCpuidPhys = 0 };
        foreach (var reservation in guest.MemoryReservations)
        {
            w.AddMemoryReservation(reservation.Address, reservation.Size);
        }

        w.BeginNode("");
        w.PropertyString("compatible", guest.Compatible);
        w.PropertyU32("#address-cells", 2);
        w.PropertyU32("#size-cells", 2);
        w.PropertyU32("interrupt-parent", arm64 ? FdtArm64Nodes.GicPhandle : FdtRiscv64Nodes.PlicPhandle(guest));
        WriteChosen(w, guest, "/" + uartName);
        WriteMemory(w, guest.Memory);
        if (arm64)
        {
            FdtArm64Nodes.Write(w, guest);
        }
        else
        {
            FdtRiscv64Nodes.Write(w, guest);
        }

        if (clockPhandle is uint clock)
        {
            WriteFixedClock(w, clock, uart.ClockFrequency);
        }

        WriteUart(w, uartName, uart, clockPhandle,
            arm64 ? FdtArm64Nodes.SpiSpecifier(uart.Interrupt) : [uart.Interrupt]);
        w.EndNode();
        return w.Finish();
    }

    private static void WriteChosen(FdtWriter w, FdtGuestDescription guest, string stdoutPath)
    {
        w.BeginNode("chosen");
        w.PropertyString("bootargs", guest.Bootargs);
        w.PropertyString("stdout-path", stdoutPath);
        if (guest.Initrd is FdtRegion initrd)
        {
            // Linux early_init_dt_check_for_initrd reads both as cell arrays; end is exclusive.
            w.PropertyU64("linux,initrd-start", initrd.Address);
            w.PropertyU64("linux,initrd-end", initrd.Address + initrd.Size);
        }

        if (guest.RngSeed is ReadOnlyMemory<byte> seed)
        {
            w.Property("rng-seed", seed.Span);
        }

        if (guest.KaslrSeed is ulong kaslr)
        {
            w.PropertyU64("kaslr-seed", kaslr);
        }

        w.EndNode();
    }

    private static void WriteMemory(FdtWriter w, IReadOnlyList<FdtRegion> banks)
    {
        foreach (var bank in banks)
        {
            w.BeginNode($"memory@{bank.Address:x}");
            w.PropertyString("device_type", "memory");
            w.PropertyU64Array("reg", [bank.Address, bank.Size]);
            w.EndNode();
        }
    }

    private static void WriteFixedClock(FdtWriter w, uint phandle, uint frequency)
    {
        // Linux bindings clock/fixed-clock.yaml; Firecracker names this node apb-pclk.
        w.BeginNode("apb-pclk");
        w.PropertyString("compatible", "fixed-clock");
        w.PropertyU32("#clock-cells", 0);
        w.PropertyU32("clock-frequency", frequency);
        w.PropertyString("clock-output-names", "clk24mhz");
        w.PropertyU32("phandle", phandle);
        w.EndNode();
    }

    private static void WriteUart(FdtWriter w, string name, FdtUart uart, uint? clockPhandle, ReadOnlySpan<uint> interrupt)
    {
        w.BeginNode(name);
        if (clockPhandle is uint clock)
        {
            // Linux bindings serial/pl011.yaml: clocks = <uartclk apb_pclk>.
            w.PropertyStringList("compatible", "arm,pl011", "arm,primecell");
            w.PropertyU64Array("reg", [uart.Registers.Address, uart.Registers.Size]);
            w.PropertyU32Array("interrupts", interrupt);
            w.PropertyU32Array("clocks", [clock, clock]);
            w.PropertyStringList("clock-names", "uartclk", "apb_pclk");
        }
        else
        {
            // Linux bindings serial/8250.yaml: clock-frequency instead of clocks.
            w.PropertyString("compatible", "ns16550a");
            w.PropertyU64Array("reg", [uart.Registers.Address, uart.Registers.Size]);
            w.PropertyU32Array("interrupts", interrupt);
            w.PropertyU32("clock-frequency", uart.ClockFrequency);
        }

        w.EndNode();
    }

    private static void Validate(FdtGuestDescription guest)
    {
        if (guest.Memory.Count == 0)
        {
            throw Invalid("Memory is empty: the kernel needs at least one memory node (DT spec v0.4 §3.4)");
        }

        foreach (var bank in guest.Memory)
        {
            CheckRange("Memory bank", bank);
        }

        if (guest.Initrd is FdtRegion initrd)
        {
            CheckRange("Initrd", initrd);
        }

        if (guest.CpuCount < 1)
        {
            throw Invalid($"CpuCount {guest.CpuCount} must be at least 1");
        }

        if (guest.Architecture == FdtArchitecture.Arm64 && guest.Arm64.Gic == FdtGicVersion.V2 && guest.CpuCount > 8)
        {
            throw Invalid($"CpuCount {guest.CpuCount} exceeds GICv2's 8 CPU interfaces (arm,gic.yaml PPI cpu mask bits[15:8])");
        }

        if (guest.RngSeed is ReadOnlyMemory<byte> seed && seed.IsEmpty)
        {
            throw Invalid("RngSeed is empty; pass null for no /chosen/rng-seed");
        }
    }

    private static void CheckRange(string what, FdtRegion range)
    {
        if (range.Size == 0 || range.Address + range.Size - 1 < range.Address)
        {
            throw Invalid($"{what} 0x{range.Address:x} + 0x{range.Size:x} is empty or wraps past 2^64");
        }
    }

    private static LoaderException Invalid(string message) => new(LoaderError.InvalidDeviceTree, message);
}
