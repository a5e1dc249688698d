using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>Where an initrd goes under each protocol's rules.</summary>
public static class InitrdPlacement
{
    /// <summary>Initrds are page aligned (boot.rst recommends it; every VMM does it).</summary>
    public const ulong PageSize = 4096;

    /// <summary>
    /// x86: as high as possible in the RAM region below 4 GiB that holds 1 MiB (Firecracker
    /// initrd_load_addr), page aligned, ending at or below <paramref name="addrMax"/> (boot.rst
    /// initrd_addr_max: the highest byte it may use), and above <paramref name="floor"/> (the kernel).
    /// </summary>
    public static (ulong Address, ulong Size) BelowLimit(GuestMemory memory, ulong size, ulong addrMax, ulong floor)
    {
        if (size == 0)
            throw new LoaderException(LoaderError.InitrdImageSizeTooLarge, "the initrd is empty");
        var region = memory.Regions.FirstOrDefault(r => r.Contains(0x10_0000));
        if (region.Size == 0)
            throw new LoaderException(LoaderError.InvalidMemoryLayout, "no RAM region holds 1 MiB");
        var top = Math.Min(region.End, Math.Min(addrMax, uint.MaxValue) + 1);
        if (size > top || AlignDown(top - size) < Math.Max(floor, region.Start))
            throw new LoaderException(LoaderError.InitrdImageSizeTooLarge,
                $"a 0x{size:x}-byte initrd does not fit between the kernel's end 0x{floor:x} and 0x{top:x} (initrd_addr_max 0x{addrMax:x})");
        return (AlignDown(top - size), size);
    }

    /// <summary>
    /// x86, a kernel with XLF_CAN_BE_LOADED_ABOVE_4G (boot.rst 2.12+: the initrd's address and size then take their
    /// high halves from ext_ramdisk_image / ext_ramdisk_size, bootparam.h): as high as possible, page aligned, in the
    /// highest RAM region that holds it entirely above 4 GiB, and above <paramref name="floor"/>.
    /// </summary>
    public static (ulong Address, ulong Size) Above4G(GuestMemory memory, ulong size, ulong floor)
    {
        if (size == 0)
            throw new LoaderException(LoaderError.InitrdImageSizeTooLarge, "the initrd is empty");
        const ulong FourGiB = 1UL << 32;
        for (var i = memory.Regions.Count - 1; i >= 0; i--)
        {
            var region = memory.Regions[i];
            if (region.End <= FourGiB || size > region.End)
                continue;
            var at = AlignDown(region.End - size);
            if (at >= Math.Max(Math.Max(region.Start, FourGiB), floor))
                return (at, size);
        }
        throw new LoaderException(LoaderError.InitrdImageSizeTooLarge,
            $"a 0x{size:x}-byte initrd does not fit in RAM above 4 GiB (guest RAM ends at 0x{memory.End:x})");
    }

    /// <summary>
    /// arm64 (Firecracker): directly below <paramref name="ceiling"/> (the DTB), the size rounded up to a page;
    /// riscv64 / Cloud Hypervisor: <paramref name="ceiling"/> is the end of RAM. Must stay above <paramref name="floor"/>.
    /// </summary>
    public static (ulong Address, ulong Size) BelowCeiling(ulong size, ulong ceiling, ulong floor)
    {
        var rounded = (size + PageSize - 1) & ~(PageSize - 1);
        if (size == 0 || rounded > ceiling || AlignDown(ceiling - rounded) < floor)
            throw new LoaderException(LoaderError.InitrdImageSizeTooLarge,
                $"a 0x{size:x}-byte initrd does not fit between 0x{floor:x} and 0x{ceiling:x}");
        return (AlignDown(ceiling - rounded), size);
    }

    private static ulong AlignDown(ulong value) => value & ~(PageSize - 1);
}
