using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>
/// arm64 boots of a unified kernel image that carries a <c>.dtb</c>: the embedded tree is the one the kernel gets, as
/// systemd-stub (src/boot/efi/stub.c) installs it in place of the firmware's, with memory and <c>/chosen</c> set by
/// this boot (what libstub's update_fdt and the EFI memory map would give it). A caller's own DTB is the base when the
/// UKI carries none.
/// </summary>
[TestFixture]
public sealed class UkiDtbSetupTests
{
    private const ulong DramBase = 0x8000_0000, RamSize = 0x1000_0000;
    private static readonly byte[] Image = PeerImages.Read("test_arm64_image.bin");
    private static readonly byte[] Initrd = Enumerable.Range(0, 0x1800).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>A board's tree: its own compatible and device, a stale /chosen (bootargs, initrd) and a memory node of another size.</summary>
    private static byte[] BoardDtb(string board = "acme,board", uint cells = 2)
    {
        var w = new FdtWriter { BootCpuidPhys = 0 };
        w.AddMemoryReservation(0x8100_0000, 0x1000);
        w.BeginNode("");
        w.PropertyString("compatible", board);
        w.PropertyU32("#address-cells", cells);
        w.PropertyU32("#size-cells", cells);
        w.BeginNode("chosen");
        w.PropertyString("bootargs", "stale");
        w.PropertyString("stdout-path", "/soc/serial@9000000");
        w.PropertyU64("linux,initrd-start", 0x1234_0000);
        w.PropertyU64("linux,initrd-end", 0x1235_0000);
        w.EndNode();
        w.BeginNode("memory@40000000");
        w.PropertyString("device_type", "memory");
        w.PropertyU64Array("reg", [0x4000_0000, 0x100_0000]);
        w.EndNode();
        w.BeginNode("soc");
        w.BeginNode("serial@9000000");
        w.PropertyString("compatible", "arm,pl011");
        w.EndNode();
        w.EndNode();
        w.EndNode();
        return w.Finish();
    }

    [Test]
    public void The_ukis_dtb_is_the_tree_the_kernel_gets_with_this_boots_memory_cmdline_and_initrd()
    {
        var uki = UkiBuilder.Build(Image, Initrd, "console=ttyAMA0 root=/dev/vda\n", dtb: BoardDtb(), machine: PeWriter.MachineArm64);
        var kernel = KernelImage.Parse(uki);
        using var memory = new GuestMemory([new GuestRegion(DramBase, RamSize)]);

        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = kernel, Initrd = kernel.EmbeddedInitrd, CommandLine = kernel.EmbeddedCommandLine! });

        var tree = FdtReader.Read(memory.ReadBytes(result.BootStructureAddress, result.BootStructure.Length));
        // The board's nodes and properties are kept.
        tree.Root.FindProperty("compatible")!.AsString().ShouldBe("acme,board");
        tree.FindProperty("/soc/serial@9000000", "compatible")!.AsString().ShouldBe("arm,pl011");
        tree.FindProperty("/chosen", "stdout-path")!.AsString().ShouldBe("/soc/serial@9000000");
        tree.MemoryReservations.ShouldBe([new FdtRegion(0x8100_0000, 0x1000)]);
        // What this boot decides replaces what the tree said (libstub update_fdt: bootargs, linux,initrd-*).
        tree.FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("console=ttyAMA0 root=/dev/vda");
        var initrd = result.Initrd!.Value;
        tree.FindProperty("/chosen", "linux,initrd-start")!.AsU64().ShouldBe(initrd.Address);
        tree.FindProperty("/chosen", "linux,initrd-end")!.AsU64().ShouldBe(initrd.Address + initrd.Size);
        memory.ReadBytes(initrd.Address, Initrd.Length).ShouldBe(Initrd);
        // RAM is the guest's: the tree's own memory node is gone.
        tree.FindNode("/memory@40000000").ShouldBeNull();
        tree.FindProperty($"/memory@{DramBase:x}", "reg")!.AsU32Array().ShouldBe([0, (uint)DramBase, 0, (uint)RamSize]);
    }

    [Test]
    public void Without_a_dtb_section_the_loader_builds_its_own_tree()
    {
        var kernel = KernelImage.Parse(UkiBuilder.Build(Image, cmdline: "console=ttyAMA0", machine: PeWriter.MachineArm64));
        using var memory = new GuestMemory([new GuestRegion(DramBase, RamSize)]);

        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = kernel, CommandLine = kernel.EmbeddedCommandLine! });

        var tree = FdtReader.Read(result.BootStructure);
        tree.Root.FindProperty("compatible")!.AsString().ShouldNotBe("acme,board");
        tree.FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("console=ttyAMA0");
    }

    [Test]
    public void A_callers_dtb_is_the_base_when_the_uki_carries_none_and_the_ukis_wins_over_it()
    {
        using var memory = new GuestMemory([new GuestRegion(DramBase, RamSize)]);
        var plain = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(Image), CommandLine = "quiet", Dtb = BoardDtb("caller,board") });
        var plainTree = FdtReader.Read(plain.BootStructure);
        plainTree.Root.FindProperty("compatible")!.AsString().ShouldBe("caller,board");
        plainTree.FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("quiet");
        // No initrd in this boot: the stale linux,initrd-* of the given tree must not reach the kernel.
        plainTree.FindProperty("/chosen", "linux,initrd-start").ShouldBeNull();

        var uki = KernelImage.Parse(UkiBuilder.Build(Image, dtb: BoardDtb("uki,board"), machine: PeWriter.MachineArm64));
        var wrapped = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = uki, CommandLine = "quiet", Dtb = BoardDtb("caller,board") });
        FdtReader.Read(wrapped.BootStructure).Root.FindProperty("compatible")!.AsString().ShouldBe("uki,board");
    }

    [Test]
    public void A_dtb_section_that_is_no_device_tree_is_refused_and_memory_is_untouched()
    {
        var kernel = KernelImage.Parse(UkiBuilder.Build(Image, dtb: Enumerable.Repeat((byte)0x11, 64).ToArray(), machine: PeWriter.MachineArm64));
        using var memory = new GuestMemory([new GuestRegion(DramBase, RamSize)]);

        Should.Throw<LoaderException>(() => GuestSetup.Run(memory, new GuestSetupRequest { Kernel = kernel })).Code.ShouldBe(LoaderError.InvalidMagic);
        memory.ReadBytes(DramBase + 0x28_0000, 0x1000).ShouldAllBe(b => b == 0);
    }

    [Test]
    public void A_tree_whose_root_is_not_two_by_two_cells_is_refused()
    {
        using var memory = new GuestMemory([new GuestRegion(DramBase, RamSize)]);

        Should.Throw<LoaderException>(() => GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(Image), Dtb = BoardDtb(cells: 1) }))
            .Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }
}
