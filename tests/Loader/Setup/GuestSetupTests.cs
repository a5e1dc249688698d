using System.Buffers.Binary;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>The one-call guest setup for every protocol, and its all-or-nothing promise.</summary>
[TestFixture]
public sealed class GuestSetupTests
{
    private const ulong RamSize = 512UL << 20;
    private static readonly byte[] Initrd = Enumerable.Range(0, 0x1801).Select(i => (byte)(i * 5)).ToArray();

    private static byte[] PvhElf() => ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0100 });
    private static byte[] PlainElf() => ElfWriter.Write(new ElfSpec());

    [Test]
    public void Vmlinux_with_pvh_note_boots_through_pvh()
    {
        using var memory = GuestMemory.Flat(RamSize);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(PvhElf()), Initrd = Initrd, CommandLine = "console=ttyS0 panic=-1" });
        result.Protocol.ShouldBe(BootProtocol.Pvh);
        result.Entry.ShouldBe(0x100_0100UL);
        result.BootStructureAddress.ShouldBe(0x6000UL); // Firecracker PVH_INFO_START
        var info = StartInfo.ReadFrom(memory, 0x6000);
        info.Memmap.ShouldBe(MemoryMapBuilder.ForX86(memory));
        info.CommandLineAddress.ShouldBe(0x2_0000UL);
        memory.ReadCString(0x2_0000, 100).ShouldBe("console=ttyS0 panic=-1");
        // Firecracker initrd_load_addr: top of low RAM, page aligned down.
        var expected = (RamSize - (ulong)Initrd.Length) & ~0xFFFUL;
        info.Modules.ShouldBe([new PvhModule(expected, (ulong)Initrd.Length)]);
        memory.ReadBytes(expected, Initrd.Length).ShouldBe(Initrd);
    }

    [Test]
    public void Vmlinux_without_pvh_note_boots_through_64_bit_zero_page()
    {
        using var memory = GuestMemory.Flat(RamSize);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(PlainElf()), Initrd = Initrd, CommandLine = "quiet" });
        result.Protocol.ShouldBe(BootProtocol.Linux64);
        result.Entry.ShouldBe(0x100_0000UL);
        result.BootStructureAddress.ShouldBe(0x7000UL); // Firecracker ZERO_PAGE_START
        var page = ZeroPageContents.Read(memory.ReadBytes(0x7000, 4096));
        page.Sentinel.ShouldBe((byte)0);
        page.Header.Header.ShouldBe(0x5372_6448u);
        page.Header.TypeOfLoader.ShouldBe((byte)0xFF);
        page.CommandLineAddress.ShouldBe(0x2_0000UL);
        page.InitrdAddress.ShouldBe(result.Initrd!.Value.Address);
        page.InitrdSize.ShouldBe((ulong)Initrd.Length);
        page.E820.ShouldBe(result.MemoryMap);
    }

    [Test]
    public void Vmlinux_moved_by_a_load_offset_loses_pvh_and_enters_at_the_moved_entry()
    {
        // linux-loader Elf::load with a kernel_offset: every PT_LOAD moves; the PVH note is then ignored.
        using var memory = GuestMemory.Flat(RamSize);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(PvhElf()), VmlinuxLoadOffset = 0x1000 });
        result.Protocol.ShouldBe(BootProtocol.Linux64);
        result.Entry.ShouldBe(0x100_1000UL);
        result.Kernel.Segments.Single().GuestAddress.ShouldBe(0x100_1000UL);
    }

    [TestCase((ushort)0x020F, BootProtocol.Auto, BootProtocol.Linux64, 0x10_0200UL)]
    [TestCase((ushort)0x020F, BootProtocol.Linux32, BootProtocol.Linux32, 0x10_0000UL)]
    [TestCase((ushort)0x020A, BootProtocol.Auto, BootProtocol.Linux32, 0x10_0000UL)]
    public void Bzimage_entry_follows_xloadflags(ushort version, BootProtocol asked, BootProtocol chosen, ulong entry)
    {
        // boot.rst: 64-bit entry at load + 0x200 when XLF_KERNEL_64 (2.12+); 32-bit entry at code32_start.
        using var memory = GuestMemory.Flat(RamSize);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { Version = version })), Protocol = asked });
        result.Protocol.ShouldBe(chosen);
        result.Entry.ShouldBe(entry);
        ZeroPageContents.Read(result.BootStructure).Header.Code32Start.ShouldBe(0x10_0000u);
    }

    [TestCase((ushort)0x0202, 0x80)]
    [TestCase((ushort)0x020F, 0x80)]
    public void Real_mode_entry_leaves_the_header_in_the_setup_sectors(ushort version, int canUseHeap)
    {
        // boot.rst "Running the Kernel" / QEMU x86_load_linux: setup at the real-mode base, entry at its
        // 0x200 jump, heap_end_ptr = heap end (the command line, 0x10000 past the base) − 0x200.
        using var memory = GuestMemory.Flat(RamSize);
        var image = BzImageWriter.Write(new BzImageSpec { Version = version });
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(image), Protocol = BootProtocol.Linux16, CommandLine = "quiet", TypeOfLoader = 0xB0 });
        result.Entry.ShouldBe(0x1_0200UL);
        result.BootStructureAddress.ShouldBe(0x1_0000UL);
        memory.ReadBytes(0x1_0210, 2).ShouldBe(new byte[] { 0xB0, (byte)(0x01 | canUseHeap) });
        memory.ReadU16(0x1_0224).ShouldBe((ushort)0xFE00);
        memory.ReadU32(0x1_0228).ShouldBe(0x2_0000u);
        memory.ReadU32(0x1_0214).ShouldBe(0x10_0000u);
        memory.ReadBytes(0x1_0000, 0x1F1).ShouldBe(image.AsSpan(0, 0x1F1).ToArray()); // boot sector bytes untouched
        memory.ReadCString(0x2_0000, 16).ShouldBe("quiet");
    }

    [Test]
    public void Rng_seed_goes_in_a_setup_data_node()
    {
        using var memory = GuestMemory.Flat(RamSize);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec())), RngSeed = [9, 8, 7, 6] });
        var head = BinaryPrimitives.ReadUInt64LittleEndian(result.BootStructure.AsSpan(BootParamsLayout.SetupData));
        head.ShouldNotBe(0UL);
        memory.ReadU32(head + 8).ShouldBe((uint)SetupDataType.RngSeed);
        memory.ReadU32(head + 12).ShouldBe(4u);
        memory.ReadBytes(head + 16, 4).ShouldBe(new byte[] { 9, 8, 7, 6 });
        result.Placements.ShouldContain(p => p.Name == "setup_data" && p.Address == head);
    }

    private static IEnumerable<TestCaseData> Rejections()
    {
        TestCaseData Case(string name, GuestSetupRequest request, LoaderError code) => new TestCaseData(request, code).SetName(name);
        yield return Case("PVH without the note", new GuestSetupRequest { Kernel = KernelImage.Parse(PlainElf()), Protocol = BootProtocol.Pvh }, LoaderError.UnsupportedEntry);
        yield return Case("vmlinux has no 32-bit entry", new GuestSetupRequest { Kernel = KernelImage.Parse(PlainElf()), Protocol = BootProtocol.Linux32 }, LoaderError.UnsupportedEntry);
        yield return Case("bzImage has no PVH entry", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec())), Protocol = BootProtocol.Pvh }, LoaderError.UnsupportedEntry);
        yield return Case("64-bit entry on a 2.10 kernel", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { Version = 0x020A })), Protocol = BootProtocol.Linux64 }, LoaderError.UnsupportedEntry);
        yield return Case("command line beyond cmdline_size", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { CmdlineSize = 16 })), Initrd = Initrd, CommandLine = "console=ttyS0 root=/dev/vda" }, LoaderError.InvalidCapacity);
        yield return Case("non-ASCII command line", new GuestSetupRequest { Kernel = KernelImage.Parse(PvhElf()), Initrd = Initrd, CommandLine = "init=/bin/sh\u00e9" }, LoaderError.InvalidAscii);
        yield return Case("initrd larger than RAM", new GuestSetupRequest { Kernel = KernelImage.Parse(PvhElf()), Initrd = new byte[RamSize] }, LoaderError.InitrdImageSizeTooLarge);
        yield return Case("initrd over initrd_addr_max", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { InitrdAddrMax = 0x10_3000 })), Initrd = Initrd }, LoaderError.InitrdImageSizeTooLarge);
        yield return Case("real-mode entry on a 2.01 kernel (no cmd_line_ptr)", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { Version = 0x0201 })), Protocol = BootProtocol.Linux16 }, LoaderError.UnsupportedEntry);
        yield return Case("real-mode base not 16-byte aligned", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec())), Protocol = BootProtocol.Linux16, RealModeBase = 0x1_0008 }, LoaderError.BootStructureSetup);
        yield return Case("real-mode setup runs into the command line", new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec())), Protocol = BootProtocol.Linux16, RealModeBase = 0x1_FC00 }, LoaderError.BootStructureSetup);
    }

    [TestCaseSource(nameof(Rejections))]
    public void Bad_requests_are_rejected_and_memory_untouched(GuestSetupRequest request, LoaderError expected)
    {
        using var memory = GuestMemory.Flat(RamSize);
        Should.Throw<LoaderException>(() => GuestSetup.Run(memory, request)).Code.ShouldBe(expected);
        foreach (var address in new ulong[] { 0x6000, 0x7000, 0x2_0000, 0x10_0000, 0x100_0000, RamSize - 0x2000 })
            memory.ReadBytes(address, 0x1000).ShouldAllBe(b => b == 0, $"guest memory at 0x{address:x} was written");
    }

    [Test]
    public void Arm64_image_gets_a_device_tree_at_the_top_of_dram()
    {
        using var memory = new GuestMemory([new GuestRegion(0x8000_0000, RamSize)]);
        var image = PeerImages.Read("test_arm64_image.bin");
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(image), Initrd = Initrd, CommandLine = "console=ttyAMA0", RngSeed = new byte[64] });
        result.Protocol.ShouldBe(BootProtocol.Arm64);
        // Firecracker aarch64: kernel at 0x80200000 + text_offset (0x80000); FDT in the last 2 MiB of DRAM.
        result.Entry.ShouldBe(0x8028_0000UL);
        result.BootStructureAddress.ShouldBe(0x8000_0000 + RamSize - 0x20_0000);
        memory.ReadBytes(0x8028_0000, image.Length).ShouldBe(image);
        var tree = FdtReader.Read(memory.ReadBytes(result.BootStructureAddress, result.BootStructure.Length));
        tree.FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("console=ttyAMA0");
        // Firecracker: initrd directly below the FDT, size rounded up to 4 KiB.
        var initrd = result.Initrd!.Value;
        initrd.Address.ShouldBe(result.BootStructureAddress - 0x2000);
        tree.FindProperty("/chosen", "linux,initrd-start")!.AsU64().ShouldBe(initrd.Address);
        tree.FindProperty("/chosen", "linux,initrd-end")!.AsU64().ShouldBe(initrd.Address + initrd.Size);
    }

    [Test]
    public void Riscv64_image_follows_cloud_hypervisors_layout()
    {
        using var memory = new GuestMemory([new GuestRegion(0x4000_0000, RamSize)]);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(PeerImages.Read("test_riscv64_image.bin")), CommandLine = "console=ttyS0" });
        result.Protocol.ShouldBe(BootProtocol.Riscv64);
        // Cloud Hypervisor riscv64: FDT at 0x40000000; kernel base 0x40200000 + text_offset 0x200000.
        result.BootStructureAddress.ShouldBe(0x4000_0000UL);
        result.Entry.ShouldBe(0x4040_0000UL);
        FdtReader.Read(result.BootStructure).FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("console=ttyS0");
    }

    [Test]
    public void Placements_never_overlap()
    {
        using var memory = GuestMemory.WithMmioGap(4UL << 30);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec())), Initrd = Initrd, CommandLine = "a=b", RngSeed = [1] });
        var placements = result.Placements;
        for (var i = 0; i < placements.Count; i++)
            for (var j = i + 1; j < placements.Count; j++)
                placements[i].Overlaps(placements[j]).ShouldBeFalse($"{placements[i]} overlaps {placements[j]}");
        // Initrd at the top of the RAM below the 3 GiB MMIO gap, under initrd_addr_max 0x7fffffff.
        result.Initrd!.Value.Address.ShouldBe((0x8000_0000UL - (ulong)Initrd.Length) & ~0xFFFUL);
    }

    [TestCase(BootProtocol.Pvh, "start_info", 0x6000UL)]
    [TestCase(BootProtocol.Linux64, "zero page", 0x7000UL)]
    [TestCase(BootProtocol.Linux32, "zero page", 0x7000UL)]
    [TestCase(BootProtocol.Linux16, "real-mode setup", 0x1_0000UL)]
    public void Each_entry_places_only_its_own_boot_structure(BootProtocol protocol, string structure, ulong address)
    {
        // The zero-page, PVH and real-mode setups are separate: exactly one of their structures is placed,
        // and the result reports it (linux-loader configurator/x86_64/linux.rs vs pvh.rs).
        using var memory = GuestMemory.Flat(RamSize);
        var kernel = protocol == BootProtocol.Pvh ? PvhElf() : BzImageWriter.Write(new BzImageSpec());
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), Protocol = protocol, Initrd = Initrd });
        string[] structures = ["zero page", "start_info", "PVH memmap", "PVH modlist", "real-mode setup", "setup_data"];
        var placed = result.Placements.Select(p => p.Name).Where(structures.Contains).ToArray();
        placed.ShouldBe(protocol == BootProtocol.Pvh ? ["start_info", "PVH memmap", "PVH modlist"] : [structure], ignoreOrder: true);
        result.BootStructureAddress.ShouldBe(address);
        memory.ReadBytes(address, 16).ShouldBe(result.BootStructure.AsSpan(0, 16).ToArray());
    }
}
