using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Stubs;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>
/// The <c>qemu</c> profile's e820: QEMU 7.2 <c>-M pc</c>'s <c>etc/e820</c> as SeaBIOS hands it on, checked against
/// QEMU itself (its gdbstub stopped at <c>start_kernel</c>, <c>boot_params.e820_table</c> read back).
/// </summary>
[TestFixture]
public sealed class QemuPcMemoryMapTests
{
    /// <summary>
    /// QEMU 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18), <c>-M pc -m 512M</c>, Debian's 6.1 cloud kernel stopped at
    /// start_kernel: boot_params.e820_table as the real-mode setup code got it from SeaBIOS (INT 15h E820) and as
    /// pvh.bin passed it in start_info (the PVH boot has init_pvh_bootparams' ISA hole 0xA0000+0x60000 after it).
    /// </summary>
    private static readonly MemoryMapEntry[] Qemu72Pc512M =
    [
        new(0, 0x9_FC00, MemoryType.Ram),
        new(0x9_FC00, 0x400, MemoryType.Reserved),
        new(0xF_0000, 0x1_0000, MemoryType.Reserved),
        new(0x10_0000, 0x1FEE_0000, MemoryType.Ram),
        new(0x1FFE_0000, 0x2_0000, MemoryType.Reserved),
        new(0xFFFC_0000, 0x4_0000, MemoryType.Reserved),
        new(0xFD_0000_0000, 0x3_0000_0000, MemoryType.Reserved),
    ];

    /// <summary>init_pvh_bootparams (arch/x86/platform/pvh/enlighten.c) appends the ISA hole after the memmap.</summary>
    private static readonly MemoryMapEntry IsaHole = new(0xA_0000, 0x6_0000, MemoryType.Reserved);

    [Test]
    public void Matches_what_qemu_7_2_pc_gave_a_kernel_in_512_mib()
    {
        using var memory = VmmProfiles.Qemu.CreateMemory(512UL << 20);

        QemuPcMemoryMap.For(memory).ShouldBe(Qemu72Pc512M);
    }

    [Test]
    public void Seabios_takes_its_high_tables_from_the_top_of_low_ram_only()
    {
        // 4 GiB of guest RAM in the harness's layout: RAM up to the 3 GiB hole and 1 GiB above 4 GiB; the high
        // tables come off the top of the RAM below 4 GiB (SeaBIOS src/malloc.c malloc_preinit), not off the top.
        using var memory = VmmProfiles.Qemu.CreateMemory(4UL << 30);
        var map = QemuPcMemoryMap.For(memory);
        var lowTop = memory.Regions[0].End;

        map.ShouldContain(new MemoryMapEntry(lowTop - 0x2_0000, 0x2_0000, MemoryType.Reserved));
        map.ShouldContain(new MemoryMapEntry(memory.Regions[1].Start, memory.Regions[1].Size, MemoryType.Ram));
        map.Select(e => e.Address).ShouldBeInOrder();
    }

    [Test]
    public void The_qemu_profile_writes_it_and_keeps_the_initrd_out_of_the_high_tables()
    {
        using var memory = VmmProfiles.Qemu.CreateMemory(512UL << 20);
        var setup = GuestSetup.Run(memory, VmmProfiles.Qemu.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(FixtureKernels.All().Single(k => k.Name == "vmlinux-pvh.elf").Image),
            Initrd = new byte[0x3000],
            CommandLine = "console=ttyS0",
        }));

        setup.MemoryMap.ShouldBe(Qemu72Pc512M);
        // The initrd ends in usable RAM, below SeaBIOS's 128 KiB at 0x1FFE0000.
        (setup.Initrd!.Value.Address + setup.Initrd.Value.Size).ShouldBeLessThanOrEqualTo(0x1FFE_0000UL);
    }

    [Test]
    [Category("RealKernel")]
    [Category("Qemu")]
    public void Pvh_under_the_qemu_profile_hands_the_kernel_what_qemu_pc_does()
    {
        var directory = DebianKernel.Directory();
        var symbols = SystemMapParser.Parse(File.ReadAllText(Path.Combine(directory, "System.map")));
        var vmlinux = Path.Combine(directory, "vmlinux");
        var bootParams = symbols.AddressOf("boot_params")!.Value;

        var qemu = QemuGdbProbe.E820(QemuGdbProbe.ReadAt(QemuMachine.Pc, vmlinux, "console=ttyS0 nokaslr", "512M",
            symbols.AddressOf("start_kernel")!.Value, bootParams, 4096, TimeSpan.FromSeconds(90)));
        var ours = KernelBoot.Run(File.ReadAllBytes(vmlinux), new KernelBootOptions
        {
            Profile = VmmProfiles.Qemu,
            MemorySize = 512UL << 20,
            Symbols = symbols,
            CommandLine = "console=ttyS0 nokaslr",
        });

        qemu.ShouldBe([.. Qemu72Pc512M, IsaHole]);
        ours.Readback!.X86!.E820.ShouldBe(qemu);
    }

    [Test]
    [Category("RealKernel")]
    [Category("Qemu")]
    public void The_16_bit_entry_on_qemu_pc_gets_the_same_map_from_seabios()
    {
        // linuxboot_dma.c enters the real-mode setup code, which builds boot_params.e820_table from SeaBIOS's INT 15h E820.
        var directory = DebianKernel.Directory();
        var symbols = SystemMapParser.Parse(File.ReadAllText(Path.Combine(directory, "System.map")));

        var qemu = QemuGdbProbe.E820(QemuGdbProbe.ReadAt(QemuMachine.Pc, Path.Combine(directory, "vmlinuz"), "console=ttyS0 nokaslr", "512M",
            symbols.AddressOf("start_kernel")!.Value, symbols.AddressOf("boot_params")!.Value, 4096, TimeSpan.FromSeconds(120)));

        qemu.ShouldBe(Qemu72Pc512M);
    }
}
