namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// What <see cref="FdtBuilder"/> puts into a guest's device tree. Only <see cref="Architecture"/> and
/// <see cref="Memory"/> are required; everything else has a <c>virt</c>-board default.
/// </summary>
public sealed record FdtGuestDescription
{
    /// <summary>Guest architecture.</summary>
    public required FdtArchitecture Architecture { get; init; }

    /// <summary>Whose tree to write: the minimal one, or QEMU virt's (arm64).</summary>
    public FdtBoard Board { get; init; } = FdtBoard.Minimal;

    /// <summary>RAM banks; one <c>memory@…</c> node each.</summary>
    public required IReadOnlyList<FdtRegion> Memory { get; init; }

    /// <summary>Number of vCPUs (harts on riscv64); CPU 0 boots.</summary>
    public int CpuCount { get; init; } = 1;

    /// <summary>Root <c>compatible</c>; Firecracker and Cloud Hypervisor write <c>linux,dummy-virt</c>.</summary>
    public string Compatible { get; init; } = "linux,dummy-virt";

    /// <summary><c>/chosen/bootargs</c>, the kernel command line.</summary>
    public string Bootargs { get; init; } = "";

    /// <summary>Where the initrd was placed: written as <c>linux,initrd-start</c>/<c>-end</c> (end exclusive).</summary>
    public FdtRegion? Initrd { get; init; }

    /// <summary><c>/chosen/rng-seed</c> bytes (Firecracker writes 64 random bytes), or null for none.</summary>
    public ReadOnlyMemory<byte>? RngSeed { get; init; }

    /// <summary><c>/chosen/kaslr-seed</c> (crosvm and QEMU write one; Firecracker and Cloud Hypervisor don't).</summary>
    public ulong? KaslrSeed { get; init; }

    /// <summary>Entries for the memory reservation block.</summary>
    public IReadOnlyList<FdtRegion> MemoryReservations { get; init; } = [];

    /// <summary>Console UART; null means <see cref="FdtUart.Arm64Virt"/> or <see cref="FdtUart.Riscv64Virt"/>.</summary>
    public FdtUart? Uart { get; init; }

    /// <summary>arm64 interrupt controller and PSCI settings.</summary>
    public FdtArm64Platform Arm64 { get; init; } = new();

    /// <summary>riscv64 hart and PLIC settings.</summary>
    public FdtRiscv64Platform Riscv64 { get; init; } = new();

    /// <summary>The UART actually used: <see cref="Uart"/> or the architecture's default.</summary>
    public FdtUart EffectiveUart =>
        Uart ?? (Architecture == FdtArchitecture.Arm64 ? FdtUart.Arm64Virt : FdtUart.Riscv64Virt);
}
