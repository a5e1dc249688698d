using LoaderHarness.Loader.Images;

namespace LoaderHarness.Loader.Setup;

/// <summary>Everything a VMM knows before it sets up a guest.</summary>
public sealed record GuestSetupRequest
{
    /// <summary>The kernel (vmlinux, bzImage, Image, Image.gz), parsed once by <see cref="KernelImage.Parse"/>.</summary>
    public required KernelImage Kernel { get; init; }
    /// <summary>The initrd / initramfs, if any.</summary>
    public ReadOnlyMemory<byte>? Initrd { get; init; }
    /// <summary>The kernel command line (boot args, optionally " -- " and init args).</summary>
    public string CommandLine { get; init; } = "";
    /// <summary>How to enter the kernel.</summary>
    public BootProtocol Protocol { get; init; } = BootProtocol.Auto;
    /// <summary>Where x86 boot pieces go.</summary>
    public X86GuestLayout X86 { get; init; } = new();
    /// <summary>Where arm64 / riscv64 boot pieces go; null means the architecture's default.</summary>
    public FdtGuestLayout? Fdt { get; init; }
    /// <summary>
    /// arm64 / riscv64: the caller's own device tree, used as the base of the one the kernel gets (its nodes kept,
    /// memory and <c>/chosen</c> set by this boot: <see cref="Boot.Fdt.FdtRebase"/>) instead of the one the loader
    /// builds. A unified kernel image's <c>.dtb</c> takes precedence, as systemd-stub's does over the firmware's.
    /// </summary>
    public ReadOnlyMemory<byte>? Dtb { get; init; }
    /// <summary>x86 <c>type_of_loader</c> (0xFF undefined, as Firecracker and Cloud Hypervisor; 0xB0 is QEMU).</summary>
    public byte TypeOfLoader { get; init; } = 0xFF;
    /// <summary>x86 <c>acpi_rsdp_addr</c>, and PVH <c>rsdp_paddr</c> unless <see cref="PvhRsdpAddress"/> says otherwise (0: the kernel scans for it).</summary>
    public ulong AcpiRsdpAddress { get; init; }
    /// <summary>PVH <c>rsdp_paddr</c> when it differs from <see cref="AcpiRsdpAddress"/> (Firecracker: 0xE0000 in the zero page, 0 in start_info).</summary>
    public ulong? PvhRsdpAddress { get; init; }
    /// <summary>Real-mode entry: where the setup code goes (its segment × 16; QEMU 0x10000).</summary>
    public ulong RealModeBase { get; init; } = 0x1_0000;
    /// <summary>Random bytes for the kernel: x86 SETUP_RNG_SEED (bzImage 2.09+), FDT /chosen/rng-seed.</summary>
    public byte[]? RngSeed { get; init; }
    /// <summary>Overrides where an x86 bzImage's protected-mode code goes (default code32_start).</summary>
    public ulong? KernelAddress { get; init; }
    /// <summary>
    /// linux-loader's ELF <c>kernel_offset</c>: every PT_LOAD of a vmlinux (and its entry) moves up by this
    /// much, and the PVH entry no longer applies (PVH needs the link address). Null: load at p_paddr.
    /// </summary>
    public ulong? VmlinuxLoadOffset { get; init; }
    /// <summary>
    /// PVH boot of a vmlinux with XEN_ELFNOTE_PHYS32_RELOC: where to move it (an address, or a seed to draw one).
    /// Null still honours the note: the link address when usable, else the lowest start the note and RAM allow.
    /// </summary>
    public PvhRelocationRequest? PvhRelocation { get; init; }
    /// <summary>
    /// x86: put the initrd at the top of RAM above 4 GiB (zero page ext_ramdisk_image / ext_ramdisk_size). Needs
    /// XLF_CAN_BE_LOADED_ABOVE_4G and the 64-bit entry (boot.rst 2.12+); Linux's PVH entry keeps only 32 bits.
    /// </summary>
    public bool InitrdAbove4G { get; init; }
}
