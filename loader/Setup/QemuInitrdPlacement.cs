using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Where QEMU 7.2 puts the initrd for a direct kernel boot, value for value: hw/i386/x86.c <c>x86_load_linux</c>
/// chooses <c>initrd_max</c> and <c>initrd_addr = (initrd_max - initrd_size) &amp; ~4095</c>; for a bzImage the
/// linuxboot_dma option ROM (pc-bios/optionrom/linuxboot_dma.c <c>load_kernel</c>) then moves an initrd that QEMU put
/// at the top of memory to the top the BIOS reports through INT 15h E801; on <c>-M microvm</c> qboot loads a bzImage
/// itself and chooses the initrd's address afresh (qboot linuxboot.c <c>parse_bzimage</c>).
/// </summary>
public static class QemuInitrdPlacement
{
    private const ulong Page = 4096;

    /// <summary>
    /// The initrd's address and size. <paramref name="below4G"/> is <c>below_4g_mem_size</c> (the end of the RAM that
    /// starts at 0, at most 4 GiB); <paramref name="acpiDataSize"/> the machine's <c>acpi_data_size</c> (<c>-M pc</c>
    /// 0x28000, microvm 0); <paramref name="e801Top"/> the top of memory the firmware's E801 reports when the
    /// linuxboot_dma ROM loads the bzImage (null when the firmware takes QEMU's address as it is: PVH). With
    /// <paramref name="qboot"/>, a bzImage's initrd is where qboot puts it instead.
    /// </summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InitrdImageSizeTooLarge"/> as QEMU's "initrd is too large", or when it would overlap the kernel.</exception>
    public static (ulong Address, ulong Size) For(BootProtocol protocol, SetupHeader header, ulong size, ulong below4G, ulong acpiDataSize,
        ulong? e801Top, ulong floor, bool qboot = false)
    {
        var limit = below4G - acpiDataSize;
        ulong max;
        if (qboot && protocol != BootProtocol.Pvh)
        {
            // qboot linuxboot.c parse_bzimage: initrd_max = initrd_addr_max (2.03+, else 0x37ffffff), at most lowmem - 1
            // (lowmem: the size of etc/e820's entry at 0, below_4g_mem_size); no acpi_data_size, no XLF_CAN_BE_LOADED_ABOVE_4G.
            max = Math.Min(header.EffectiveInitrdAddrMax, below4G - 1);
        }
        else if (protocol == BootProtocol.Pvh)
            // x86_load_linux, PVH branch: initrd_max = below_4g_mem_size - acpi_data_size - 1.
            max = limit - 1;
        else
        {
            // x86_load_linux: UINT32_MAX with XLF_CAN_BE_LOADED_ABOVE_4G (2.12+), else initrd_addr_max (2.03+), else
            // 0x37ffffff; then at most below_4g_mem_size - acpi_data_size - 1.
            max = header.Version >= 0x020C && (header.XLoadFlags & (ushort)XLoadFlags.CanBeLoadedAbove4G) != 0
                ? uint.MaxValue
                : header.EffectiveInitrdAddrMax;
            if (max >= limit)
                max = limit - 1;
        }
        if (size == 0 || size >= max)
            throw new LoaderException(LoaderError.InitrdImageSizeTooLarge, $"initrd is too large (max: {max}, need {size}), as QEMU says");
        var address = (max - size) & ~(Page - 1);
        if (e801Top is { } top && protocol == BootProtocol.Linux16)
        {
            // linuxboot_dma.c: initrd_end_page != max_allowed_page (initrd_addr_max, 0x37ffffff before 2.03) means
            // QEMU put it at the top of memory: recompute it from E801's top.
            var endPage = (address + size) & ~(Page - 1);
            var maxAllowedPage = header.EffectiveInitrdAddrMax & ~(Page - 1);
            if (endPage != 0 && maxAllowedPage != 0 && endPage != maxAllowedPage && top > size)
                address = (top - size) & ~(Page - 1);
        }
        if (address < floor)
            throw new LoaderException(LoaderError.InitrdImageSizeTooLarge,
                $"a 0x{size:x}-byte initrd at QEMU's 0x{address:x} would overlap the kernel, which needs memory up to 0x{floor:x}");
        return (address, size);
    }
}
