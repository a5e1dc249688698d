using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>
/// QEMU 7.2's initrd address (hw/i386/x86.c x86_load_linux, pc-bios/optionrom/linuxboot_dma.c load_kernel) worked
/// through by hand for the cases the gdbstub comparisons (QemuBootParamsTests) and older kernels hit.
/// </summary>
[TestFixture]
public sealed class QemuInitrdPlacementTests
{
    private const ulong Ram512M = 0x2000_0000, PcAcpiDataSize = 0x2_8000, SeabiosE801Top = 0x1FFE_0000;

    /// <summary>Debian 6.1's header: protocol 2.15, XLF_CAN_BE_LOADED_ABOVE_4G, initrd_addr_max 0x7fffffff.</summary>
    private static readonly SetupHeader Linux61 = new() { Version = 0x020F, XLoadFlags = (ushort)(XLoadFlags.CanBeLoadedAbove4G | XLoadFlags.Kernel64), InitrdAddrMax = 0x7FFF_FFFF };

    [Test]
    public void On_pc_the_linuxboot_rom_moves_the_initrd_to_the_top_seabios_reports()
    {
        // x86_load_linux: initrd_max = 0x20000000 - 0x28000 - 1 = 0x1ffd7fff, (0x1ffd7fff - 0x800) & ~4095 = 0x1ffd7000;
        // its end page 0x1ffd7000 is not initrd_addr_max's 0x7ffff000, so linuxboot_dma takes (E801 top - 0x800) & -4096.
        QemuInitrdPlacement.For(BootProtocol.Linux16, Linux61, 0x800, Ram512M, PcAcpiDataSize, SeabiosE801Top, 0x100_0000)
            .ShouldBe((0x1FFD_F000UL, 0x800UL));
    }

    [Test]
    public void On_pc_pvh_keeps_x86_load_linuxs_address()
    {
        QemuInitrdPlacement.For(BootProtocol.Pvh, Linux61, 0x800, Ram512M, PcAcpiDataSize, SeabiosE801Top, 0x100_0000)
            .ShouldBe((0x1FFD_7000UL, 0x800UL));
    }

    [TestCase(BootProtocol.Pvh)]
    [TestCase(BootProtocol.Linux16)]
    public void On_microvm_the_initrd_ends_in_the_last_page_below_ram_end(BootProtocol protocol)
    {
        // microvm: acpi_data_size 0, initrd_max 0x1fffffff; qboot's own bzImage placement (lowmem - 1) agrees below 2 GiB.
        QemuInitrdPlacement.For(protocol, Linux61, 0x800, Ram512M, 0, null, 0x100_0000, qboot: true).ShouldBe((0x1FFF_F000UL, 0x800UL));
    }

    [Test]
    public void On_microvm_with_5_gib_qboot_puts_a_bzimages_initrd_below_initrd_addr_max()
    {
        // microvm_memory_init: below_4g_mem_size 3 GiB. qboot linuxboot.c parse_bzimage: initrd_max = initrd_addr_max
        // 0x7fffffff (below lowmem - 1), (0x7fffffff - 0x800) & ~4095 = 0x7ffff000, as QEMU 7.2 -m 5G leaves it.
        QemuInitrdPlacement.For(BootProtocol.Linux16, Linux61, 0x800, 0xC000_0000, 0, null, 0x100_0000, qboot: true)
            .ShouldBe((0x7FFF_F000UL, 0x800UL));
        // PVH: qboot takes QEMU's FW_CFG_INITRD_ADDR, x86_load_linux's below_4g_mem_size - 1: (0xbfffffff - 0x800) & ~4095.
        QemuInitrdPlacement.For(BootProtocol.Pvh, Linux61, 0x800, 0xC000_0000, 0, null, 0x100_0000, qboot: true)
            .ShouldBe((0xBFFF_F000UL, 0x800UL));
    }

    [Test]
    public void A_2_02_kernel_under_2_gib_stays_where_qemu_put_it_below_0x37ffffff()
    {
        // Protocol 2.02 has no initrd_addr_max: 0x37ffffff. (0x37ffffff - 0x1000) & ~4095 = 0x37ffe000, whose end page
        // 0x37fff000 is max_allowed_page: linuxboot_dma leaves it there.
        var old = new SetupHeader { Version = 0x0202 };
        QemuInitrdPlacement.For(BootProtocol.Linux16, old, 0x1000, 0x8000_0000, PcAcpiDataSize, 0x7FFE_0000, 0x100_0000)
            .ShouldBe((0x37FF_E000UL, 0x1000UL));
    }

    [Test]
    public void An_initrd_as_large_as_the_limit_is_too_large_as_qemu_says()
    {
        Should.Throw<LoaderException>(() => QemuInitrdPlacement.For(BootProtocol.Pvh, Linux61, Ram512M, Ram512M, 0, null, 0))
            .Code.ShouldBe(LoaderError.InitrdImageSizeTooLarge);
    }

    [Test]
    public void An_initrd_that_would_overlap_the_kernel_is_refused()
    {
        Should.Throw<LoaderException>(() => QemuInitrdPlacement.For(BootProtocol.Pvh, Linux61, 0x1F00_0000, Ram512M, 0, null, 0x200_0000))
            .Code.ShouldBe(LoaderError.InitrdImageSizeTooLarge);
    }
}
