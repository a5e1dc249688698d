namespace LoaderHarness.Loader.Images;

/// <summary>Kernel image formats the loader understands.</summary>
public enum ImageFormat
{
    /// <summary>Not recognised.</summary>
    Unknown,
    /// <summary>x86_64 ELF vmlinux.</summary>
    Elf,
    /// <summary>x86 bzImage (Linux boot protocol 2.00+, LOADED_HIGH).</summary>
    BzImage,
    /// <summary>arm64 Image (magic "ARM\x64" at 0x38).</summary>
    Arm64Image,
    /// <summary>gzip-compressed arm64 Image (Image.gz).</summary>
    Arm64ImageGzip,
    /// <summary>riscv64 Image (magic2 "RSC\x05" at 0x38).</summary>
    Riscv64Image,
    /// <summary>
    /// Unified kernel image: a PE/COFF file whose <c>.linux</c> section carries the kernel, with optional
    /// <c>.initrd</c>, <c>.cmdline</c>, <c>.osrel</c>, <c>.uname</c> and <c>.dtb</c> (UAPI group, Unified Kernel Image specification).
    /// </summary>
    Uki,
    /// <summary>
    /// EFI zboot: an arm64 / riscv64 PE whose "zimg" header points at a compressed Image (Linux
    /// drivers/firmware/efi/libstub/zboot-header.S).
    /// </summary>
    Zboot,
}
