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
/// booted by QEMU (<c>-M pc</c>, <c>-M microvm,acpi=off</c>; 512 MiB), stopped at <c>start_kernel</c> through the gdbstub,
/// and by the harness under the profile; the kernel's <c>boot_params</c> compared: the whole setup header (x86_load_linux's
/// cmd_line_ptr, ramdisk_image / ramdisk_size, type_of_loader 0xB0, loadflags with CAN_USE_HEAP, heap_end_ptr, vid_mode,
/// setup_data, and the image's own fields) for the 16-bit entry and PVH alike, the e820 table (less qboot's all-zero last entry
/// on microvm), and the values themselves pinned.
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
        yield return new TestCaseData("pc", BootProtocol.Linux16, 0x2_0000UL, 0x1FFD_F000UL).SetArgDisplayNames("pc", "linux16");
        yield return new TestCaseData("pc", BootProtocol.Pvh, 0x11C0UL, 0x1FFD_7000UL).SetArgDisplayNames("pc", "pvh");
        // microvm: qboot's command line copy for PVH at 0xeff60; initrd at (0x20000000 - 1 - 0x800) & ~4095.
        yield return new TestCaseData("microvm", BootProtocol.Linux16, 0x2_0000UL, 0x1FFF_F000UL).SetArgDisplayNames("microvm", "linux16");
        yield return new TestCaseData("microvm", BootProtocol.Pvh, 0xE_FF60UL, 0x1FFF_F000UL).SetArgDisplayNames("microvm", "pvh");
    }

    [TestCaseSource(nameof(Cases))]
    public void The_profile_hands_the_kernel_the_boot_params_qemu_does(string machine, BootProtocol entry, ulong cmdlinePtr, ulong ramdisk)
    {
        var directory = DebianKernel.Directory();
        var symbols = SystemMapParser.Parse(File.ReadAllText(Path.Combine(directory, "System.map")));
        var kernel = Path.Combine(directory, entry == BootProtocol.Pvh ? "vmlinux" : "vmlinuz");
        var initrd = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "initramfs", "initramfs-x86_64.cpio");
        var (qemuMachine, profile) = machine == "pc" ? (QemuMachine.Pc, VmmProfiles.Qemu) : (QemuMachine.Microvm, VmmProfiles.Microvm);

        var qemu = QemuGdbProbe.ReadAt(qemuMachine, kernel, Cmdline, "512M", symbols.AddressOf("start_kernel")!.Value,
            symbols.AddressOf("boot_params")!.Value, 4096, TimeSpan.FromSeconds(120), initrd);
        var ours = KernelBoot.Run(File.ReadAllBytes(kernel), new KernelBootOptions
        {
            Profile = profile,
            Protocol = entry,
            MemorySize = 512UL << 20,
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
