using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>
/// An initrd above 4 GiB: x86 through the 64-bit entry when XLF_CAN_BE_LOADED_ABOVE_4G allows it (boot.rst 2.12+;
/// bootparam.h ext_ramdisk_image at 0x0c0, ext_ramdisk_size at 0x0c4); and the FDT's
/// linux,initrd-start / -end as 64-bit (two-cell) values (Linux drivers/of/fdt.c early_init_dt_check_for_initrd
/// reads them with of_read_number over their length).
/// </summary>
[TestFixture]
public sealed class InitrdAbove4GTests
{
    private const ulong FourGiB = 1UL << 32;
    private static readonly byte[] Initrd = Enumerable.Range(0, 0x3456).Select(i => (byte)(i * 5 + 1)).ToArray();

    // 6 GiB with the PCI hole: RAM [0, 3 GiB) and [4 GiB, 7 GiB).
    private static GuestMemory Memory() => GuestMemory.WithMmioGap(6UL << 30);

    private static GuestSetupResult Setup(GuestMemory memory, byte[] kernel, BootProtocol protocol = BootProtocol.Auto) =>
        GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), Initrd = Initrd, Protocol = protocol, InitrdAbove4G = true });

    [Test]
    public void A_bzimage_with_the_flag_gets_its_initrd_at_the_top_of_ram_above_4_gib()
    {
        using var memory = Memory();
        var result = Setup(memory, BzImageWriter.Write(new BzImageSpec()));
        result.Protocol.ShouldBe(BootProtocol.Linux64);
        var (address, size) = result.Initrd!.Value;
        address.ShouldBe((memory.End - (ulong)Initrd.Length) & ~0xFFFUL);
        address.ShouldBeGreaterThanOrEqualTo(FourGiB);
        memory.ReadBytes(address, Initrd.Length).ShouldBe(Initrd);
        // The kernel joins ramdisk_image with ext_ramdisk_image (arch/x86/kernel/setup.c get_ramdisk_image).
        var page = ZeroPageContents.Read(result.BootStructure);
        page.InitrdAddress.ShouldBe(address);
        page.InitrdSize.ShouldBe(size);
        BitConverter.ToUInt32(result.BootStructure, BootParamsLayout.ExtRamdiskImage).ShouldBe((uint)(address >> 32));
    }

    [Test]
    public void Pvh_is_refused_because_linux_keeps_only_32_bits_of_the_module_address()
    {
        // arch/x86/platform/pvh/enlighten.c init_pvh_bootparams: hdr.ramdisk_image = ep->paddr (a u32 field).
        using var memory = Memory();
        Should.Throw<LoaderException>(() => Setup(memory, ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0000 }), BootProtocol.Pvh))
            .Code.ShouldBe(LoaderError.UnsupportedEntry);
    }

    [Test]
    public void Without_the_flag_or_without_64_bit_addressing_the_request_is_refused()
    {
        using var memory = Memory();
        // xloadflags XLF_KERNEL_64 only (bootparam.h: XLF_CAN_BE_LOADED_ABOVE_4G is bit 1).
        Should.Throw<LoaderException>(() => Setup(memory, BzImageWriter.Write(new BzImageSpec { XLoadFlags = 0x0001 })))
            .Code.ShouldBe(LoaderError.UnsupportedEntry);
        Should.Throw<LoaderException>(() => Setup(memory, BzImageWriter.Write(new BzImageSpec()), BootProtocol.Linux32))
            .Code.ShouldBe(LoaderError.UnsupportedEntry);
        memory.ReadU32(0x7000 + 0x202).ShouldBe(0u); // no zero page written
    }

    [Test]
    public void No_ram_above_4_gib_is_initrd_image_size_too_large()
    {
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        Should.Throw<LoaderException>(() => Setup(memory, BzImageWriter.Write(new BzImageSpec()))).Code.ShouldBe(LoaderError.InitrdImageSizeTooLarge);
    }

    [Test]
    public void An_arm64_initrd_above_4_gib_is_described_by_64_bit_cells()
    {
        // Firecracker's layout: DRAM at 2 GiB, DTB in its last 2 MiB and the initrd right below: above 4 GiB once
        // DRAM is larger than 2 GiB.
        using var memory = new GuestMemory([new GuestRegion(0x8000_0000, 4UL << 30)]);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(PeerImages.Read("test_arm64_image.bin")), Initrd = Initrd });
        var (address, size) = result.Initrd!.Value;
        address.ShouldBeGreaterThanOrEqualTo(FourGiB);
        var chosen = FdtReader.Read(result.BootStructure).FindNode("/chosen")!;
        chosen.FindProperty("linux,initrd-start")!.Value.Length.ShouldBe(8);
        chosen.FindProperty("linux,initrd-start")!.AsU64().ShouldBe(address);
        chosen.FindProperty("linux,initrd-end")!.AsU64().ShouldBe(address + size);
    }
}
