namespace LoaderHarness.Loader.Setup;

/// <summary>Where an arm64 / riscv64 guest's kernel, DTB and initrd go.</summary>
public sealed record FdtGuestLayout
{
    /// <summary>The 2 MiB-aligned base; the Image goes at base + text_offset.</summary>
    public required ulong KernelBase { get; init; }
    /// <summary>Where the DTB goes; null puts it in the last 2 MiB of the first RAM region (Firecracker).</summary>
    public ulong? FdtAddress { get; init; }
    /// <summary>Whether the initrd goes directly below the DTB (Firecracker) rather than at the end of RAM (Cloud Hypervisor).</summary>
    public bool InitrdBelowFdt { get; init; } = true;
    /// <summary>
    /// arm64: the PSCI conduit the DTB's psci node names. HVC (Firecracker, Cloud Hypervisor: KVM answers it)
    /// unless the kernel is entered at EL2 and so is the hypervisor itself; then firmware is reached with SMC
    /// (Arm DEN0022 PSCI §5.2.1 conduits).
    /// </summary>
    public Boot.Fdt.FdtPsciMethod PsciMethod { get; init; } = Boot.Fdt.FdtPsciMethod.Hvc;

    /// <summary>
    /// Whose device tree to write. <see cref="Boot.Fdt.FdtBoard.QemuVirt"/> also places the initrd and DTB as
    /// QEMU's hw/arm/boot.c does, ignoring <see cref="FdtAddress"/> and <see cref="InitrdBelowFdt"/>.
    /// </summary>
    public Boot.Fdt.FdtBoard Board { get; init; } = Boot.Fdt.FdtBoard.Minimal;

    /// <summary>
    /// QEMU 7.2 <c>-M virt</c> (hw/arm/boot.c load_aarch64_image, arm_setup_direct_kernel_boot, arm_load_dtb): RAM
    /// at 0x40000000 with QEMU's boot stub at its start, the Image 2 MiB in (its text_offset of 0 is below
    /// BOOTLOADER_MAX_SIZE), the initrd at RAM + min(RAM / 2, 128 MiB) or past the kernel's image_size, the DTB
    /// after the initrd aligned to 2 MiB.
    /// </summary>
    public static FdtGuestLayout QemuVirt => new() { KernelBase = 0x4020_0000, Board = Boot.Fdt.FdtBoard.QemuVirt };

    /// <summary>
    /// Firecracker aarch64 (src/vmm/src/arch/aarch64/layout.rs, mod.rs): DRAM at 0x80000000, kernel base
    /// 0x80200000, FDT in the last 2 MiB of DRAM, initrd directly below it.
    /// </summary>
    public static FdtGuestLayout Arm64Default => new() { KernelBase = 0x8020_0000 };

    /// <summary>
    /// Cloud Hypervisor riscv64 (arch/src/riscv64/layout.rs): RAM at 0x40000000, FDT at its start, kernel
    /// base rounded to 0x40200000, initrd at the end of RAM.
    /// </summary>
    public static FdtGuestLayout Riscv64Default => new() { KernelBase = 0x4020_0000, FdtAddress = 0x4000_0000, InitrdBelowFdt = false };
}
