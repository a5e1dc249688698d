namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The guest's console UART, which <c>/chosen/stdout-path</c> points at.</summary>
/// <param name="Model">Register interface.</param>
/// <param name="Registers">MMIO base and size.</param>
/// <param name="Interrupt">GIC SPI number (arm64) or PLIC source (riscv64).</param>
/// <param name="ClockFrequency">Input clock in Hz.</param>
public sealed record FdtUart(FdtUartModel Model, FdtRegion Registers, uint Interrupt, uint ClockFrequency)
{
    /// <summary>
    /// arm64 default: PL011 at 0x0900_0000 (4 KiB), SPI 1, 24 MHz — QEMU hw/arm/virt.c
    /// <c>base_memmap[VIRT_UART]</c> / <c>a15irqmap[VIRT_UART]</c>; Cloud Hypervisor arch/src/aarch64/layout.rs
    /// <c>LEGACY_SERIAL_MAPPED_IO_START</c> uses the same address.
    /// </summary>
    public static FdtUart Arm64Virt { get; } = new(FdtUartModel.Pl011, new FdtRegion(0x0900_0000, 0x1000), 1, 24_000_000);

    /// <summary>
    /// riscv64 default: NS16550A at 0x1000_0000 (256 bytes), PLIC source 10, 3.6864 MHz — QEMU
    /// hw/riscv/virt.c <c>virt_memmap[VIRT_UART0]</c>, <c>UART0_IRQ</c>; the clock matches Cloud Hypervisor.
    /// </summary>
    public static FdtUart Riscv64Virt { get; } = new(FdtUartModel.Ns16550a, new FdtRegion(0x1000_0000, 0x100), 10, 3_686_400);
}
