using System.Buffers.Binary;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>
/// The <c>qemu</c> and <c>microvm</c> profiles against QEMU 7.2 itself: Debian's 6.1 cloud kernel with our initramfs
/// booted by QEMU (<c>-M pc</c>, <c>-M microvm</c> with its ACPI tables; 512 MiB), stopped at <c>start_kernel</c> through the gdbstub,
/// and by the harness under the profile; the kernel's <c>boot_params</c> compared: the whole setup header (x86_load_linux's
/// cmd_line_ptr, ramdisk_image / ramdisk_size, type_of_loader 0xB0, loadflags with CAN_USE_HEAP, heap_end_ptr, vid_mode,
/// setup_data, and the image's own fields) for the 16-bit entry and PVH alike, the e820 table (less qboot's all-zero last entry
/// on microvm), and the values themselves pinned. For the 16-bit entry also everything the real-mode setup code filled in
/// from the BIOS's answers before the setup header (screen_info with ext_mem_k from INT 15h 88h, ist_info from E980h,
/// alt_mem_k from E801h, the EDD and keyboard fields): SeaBIOS's answers on pc, qboot's on microvm. With 5 GiB, the RAM
/// past each machine's below-4G limit (3 GiB on both, hw/i386/pc_piix.c and microvm.c microvm_memory_init) is the e820
/// entry at 4 GiB.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Qemu")]
public sealed class QemuBootParamsTests
{
    private const string Cmdline = "console=ttyS0 nokaslr";
    private const int SetupHeaderStart = 0x1F1, SetupHeaderEnd = 0x268;

    private static IEnumerable<TestCaseData> Cases()
    {
        // pc: x86_load_linux's cmdline 0x20000 and linuxboot_dma's initrd at (E801 top 0x1ffe0000 - 0x800) & -4096;
        // PVH: pvh.bin's command line 0x11c0, initrd at (0x20000000 - 0x28000 - 1 - 0x800) & ~4095.
        yield return new TestCaseData("pc", BootProtocol.Linux16, "512M", 0x2_0000UL, 0x1FFD_F000UL).SetArgDisplayNames("pc", "linux16", "512M");
        yield return new TestCaseData("pc", BootProtocol.Pvh, "512M", 0x11C0UL, 0x1FFD_7000UL).SetArgDisplayNames("pc", "pvh", "512M");
        // microvm: qboot's command line copy for PVH at 0xefc60 (below QEMU's ACPI tables); initrd at (0x20000000 - 1 - 0x800) & ~4095.
        yield return new TestCaseData("microvm", BootProtocol.Linux16, "512M", 0x2_0000UL, 0x1FFF_F000UL).SetArgDisplayNames("microvm", "linux16", "512M");
        yield return new TestCaseData("microvm", BootProtocol.Pvh, "512M", 0xE_FC60UL, 0x1FFF_F000UL).SetArgDisplayNames("microvm", "pvh", "512M");
        // 5 GiB: pc's linuxboot_dma moves the initrd below E801's top, 0xbffe0000 (SeaBIOS's high tables end low RAM);
        // microvm's qboot puts a bzImage's initrd below initrd_addr_max 0x7fffffff (linuxboot.c parse_bzimage).
        yield return new TestCaseData("pc", BootProtocol.Linux16, "5G", 0x2_0000UL, 0xBFFD_F000UL).SetArgDisplayNames("pc", "linux16", "5G");
        yield return new TestCaseData("microvm", BootProtocol.Linux16, "5G", 0x2_0000UL, 0x7FFF_F000UL).SetArgDisplayNames("microvm", "linux16", "5G");
        // microvm PVH: the e820 entry at 4 GiB moves qboot's command line copy to 0xefc50 (QbootPvhBuffers); the initrd is
        // x86_load_linux's, (0xc0000000 - 1 - 0x800) & ~4095.
        yield return new TestCaseData("microvm", BootProtocol.Pvh, "5G", 0xE_FC50UL, 0xBFFF_F000UL).SetArgDisplayNames("microvm", "pvh", "5G");
    }

    [TestCaseSource(nameof(Cases))]
    public void The_profile_hands_the_kernel_the_boot_params_qemu_does(string machine, BootProtocol entry, string memory, ulong cmdlinePtr, ulong ramdisk)
    {
        var directory = DebianKernel.Directory();
        var symbols = SystemMapParser.Parse(File.ReadAllText(Path.Combine(directory, "System.map")));
        var kernel = Path.Combine(directory, entry == BootProtocol.Pvh ? "vmlinux" : "vmlinuz");
        var initrd = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "initramfs", "initramfs-x86_64.cpio");
        var (qemuMachine, profile) = machine == "pc" ? (QemuMachine.Pc, VmmProfiles.Qemu) : (QemuMachine.MicrovmAcpi, VmmProfiles.Microvm);

        var qemu = QemuGdbProbe.ReadAt(qemuMachine, kernel, Cmdline, memory, symbols.AddressOf("start_kernel")!.Value,
            symbols.AddressOf("boot_params")!.Value, 4096, TimeSpan.FromSeconds(120), initrd);
        var ours = KernelBoot.Run(File.ReadAllBytes(kernel), new KernelBootOptions
        {
            Profile = profile,
            Protocol = entry,
            MemorySize = memory == "5G" ? 5UL << 30 : 512UL << 20,
            Symbols = symbols,
            CommandLine = Cmdline,
            Initrd = File.ReadAllBytes(initrd),
        });
        ours.Milestone.ShouldBe("start_kernel", $"{ours.StopReason} at {ours.StopLocation}: {ours.StopDetail}");
        var mine = ours.Readback!.X86!.BootParams;

        // The values QEMU 7.2 chose (arch/x86/include/uapi/asm/bootparam.h offsets).
        BinaryPrimitives.ReadUInt32LittleEndian(qemu.AsSpan(0x228)).ShouldBe((uint)cmdlinePtr, "cmd_line_ptr");
        BinaryPrimitives.ReadUInt32LittleEndian(qemu.AsSpan(0x218)).ShouldBe((uint)ramdisk, "ramdisk_image");
        BinaryPrimitives.ReadUInt32LittleEndian(qemu.AsSpan(0x21C)).ShouldBe((uint)new FileInfo(initrd).Length, "ramdisk_size");
        qemu[0x210].ShouldBe((byte)0xB0, "type_of_loader");
        if (entry == BootProtocol.Linux16)
        {
            // x86_load_linux: loadflags |= CAN_USE_HEAP, heap_end_ptr = cmdline_addr - real_addr - 0x200; vid_mode untouched without vga=.
            (qemu[0x211] & 0x80).ShouldBe(0x80, "loadflags CAN_USE_HEAP");
            BinaryPrimitives.ReadUInt16LittleEndian(qemu.AsSpan(0x224)).ShouldBe((ushort)0xFE00, "heap_end_ptr");
            BinaryPrimitives.ReadUInt16LittleEndian(qemu.AsSpan(0x1FA)).ShouldBe((ushort)0xFFFF, "vid_mode");
            // arch/x86/boot/memory.c detect_memory_88 keeps AX whatever CF says: SeaBIOS's handle_1588 gives 63 MiB,
            // qboot's bios_intfake leaves AX = 8800h. detect_memory_e801 stores nothing on CF: qboot's alt_mem_k stays 0.
            BinaryPrimitives.ReadUInt16LittleEndian(qemu.AsSpan(0x002)).ShouldBe((ushort)(machine == "pc" ? 0xFC00 : 0x8800), "screen_info.ext_mem_k");
            if (machine == "microvm")
                BinaryPrimitives.ReadUInt32LittleEndian(qemu.AsSpan(0x1E0)).ShouldBe(0u, "alt_mem_k");
            // Everything the setup code wrote before the setup header; e820_entries is compared with the table below. On pc
            // one known difference is left out: the qemu profile's INT 10h is a VGA BIOS in text mode 3, while QEMU
            // -nodefaults has no VGA card and SeaBIOS leaves INT 10h unanswered (screen_info's orig_x/orig_y 0x00-0x01 and
            // orig_video_page..orig_video_points 0x04-0x11). acpi_rsdp_addr (0x70) is compared: the profile writes SeaBIOS's
            // RSDP where SeaBIOS does, and the decompressor finds and stores it (arch/x86/boot/compressed/acpi.c get_rsdp_addr).
            bool Compared(int o) => o != 0x1E8 && (machine == "microvm" || o is not (<= 0x01 or (>= 0x04 and <= 0x11)));
            if (machine == "pc")
                BinaryPrimitives.ReadUInt64LittleEndian(mine.AsSpan(0x70)).ShouldBe(memory == "5G" ? 0xF_59B0UL : 0xF_59D0UL, "acpi_rsdp_addr");
            Enumerable.Range(0, SetupHeaderStart).Where(o => Compared(o) && mine[o] != qemu[o])
                .Select(o => $"0x{o:x}: ours {mine[o]:x2}, QEMU's {qemu[o]:x2}").ShouldBeEmpty("boot_params before the setup header");
        }
        // Ours, byte for byte: the setup header, then the e820 table.
        for (var offset = SetupHeaderStart; offset < SetupHeaderEnd; offset++)
            mine[offset].ShouldBe(qemu[offset], $"boot_params byte 0x{offset:x} (setup header)");
        var qemuE820 = QemuGdbProbe.E820(qemu);
        if (machine == "microvm")
        {
            // qboot's table ends with one all-zero entry the profile leaves out (QemuMicrovmMemoryMap says why).
            qemuE820.Count(e => e.Size == 0).ShouldBe(1);
            qemuE820 = [.. qemuE820.Where(e => e.Size != 0)];
        }
        QemuGdbProbe.E820(mine).ShouldBe(qemuE820);
    }
}
