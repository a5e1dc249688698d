namespace LoaderHarness.Loader.Setup;

/// <summary>How the VMM enters the kernel.</summary>
public enum BootProtocol
{
    /// <summary>Choose from the image: ELF with a PVH note → PVH, other ELF → 64-bit, bzImage 2.12+ with XLF_KERNEL_64 → 64-bit, older bzImage → 32-bit, Images → their architecture.</summary>
    Auto,
    /// <summary>x86 64-bit boot protocol: RSI = zero page; vmlinux e_entry or bzImage load + 0x200.</summary>
    Linux64,
    /// <summary>x86 32-bit boot protocol: ESI = zero page; bzImage code32_start.</summary>
    Linux32,
    /// <summary>x86 16-bit real-mode entry into the setup code: CS = seg + 0x20, IP = 0 (bzImage 2.02+; the kernel then needs BIOS services).</summary>
    Linux16,
    /// <summary>PVH: EBX = hvm_start_info; entry from the vmlinux's Xen note.</summary>
    Pvh,
    /// <summary>arm64 Image: x0 = DTB.</summary>
    Arm64,
    /// <summary>riscv64 Image: a0 = hart id, a1 = DTB.</summary>
    Riscv64,
}
