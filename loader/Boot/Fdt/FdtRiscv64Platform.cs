namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// riscv64-only parts of a guest description. Defaults follow QEMU's <c>virt</c> board
/// (hw/riscv/virt.c) and Cloud Hypervisor's cpu nodes (arch/src/riscv64/fdt.rs).
/// </summary>
public sealed record FdtRiscv64Platform
{
    /// <summary><c>riscv,isa</c> of every hart (Linux bindings riscv/cpus.yaml).</summary>
    public string Isa { get; init; } = "rv64imafdc";

    /// <summary><c>mmu-type</c> of every hart; Cloud Hypervisor writes <c>riscv,sv48</c>.</summary>
    public string MmuType { get; init; } = "riscv,sv48";

    /// <summary><c>/cpus/timebase-frequency</c> in Hz (QEMU <c>RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ</c>).</summary>
    public uint TimebaseFrequency { get; init; } = 10_000_000;

    /// <summary>PLIC registers: the 64 MiB window of the RISC-V PLIC spec memory map, at QEMU virt's <c>VIRT_PLIC</c>.</summary>
    public FdtRegion Plic { get; init; } = new(0x0C00_0000, 0x0400_0000);

    /// <summary><c>riscv,ndev</c>: interrupt sources wired to the PLIC (QEMU <c>VIRT_IRQCHIP_NUM_SOURCES</c> − 1).</summary>
    public uint PlicSources { get; init; } = 95;
}
