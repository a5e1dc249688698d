using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>Debian's linux-image-*-cloud-amd64-unsigned: the bzImage and the vmlinux extracted from it load correctly.</summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class DebianKernelLoadTests
{
    private static byte[]? _bzImage;
    private static byte[]? _vmlinux;

    private static byte[] BzImageBytes => _bzImage ??= DebianKernel.BzImage();
    private static byte[] Vmlinux => _vmlinux ??= VmlinuxExtractor.Extract(BzImageBytes);

    [Test]
    public void Bzimage_header_is_protocol_215_with_a_64_bit_entry()
    {
        var kernel = BzImageKernel.Parse(BzImageBytes);
        // Debian 6.1 x86_64 (arch/x86/boot/header.S): protocol 2.15, relocatable, 2 MiB alignment,
        // pref_address = CONFIG_PHYSICAL_START 0x1000000, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G.
        kernel.Header.ProtocolVersion.ShouldBe("2.15");
        kernel.Header.IsRelocatable.ShouldBeTrue();
        kernel.Header.KernelAlignment.ShouldBe(0x20_0000u);
        kernel.Header.PrefAddress.ShouldBe(0x100_0000UL);
        kernel.Header.EffectiveXLoadFlags.HasFlag(XLoadFlags.Kernel64 | XLoadFlags.CanBeLoadedAbove4G).ShouldBeTrue();
        kernel.KernelInfo.ShouldNotBeNull("2.15 kernels carry kernel_info (\"LToP\")");
        // syssize, not the file length, bounds what is loaded.
        (kernel.ProtectedModeOffset + kernel.ProtectedModeSize).ShouldBeLessThanOrEqualTo((ulong)BzImageBytes.Length);
        VmlinuxExtractor.FindPayload(BzImageBytes).Compression.ShouldBe(PayloadCompression.Lz4);
    }

    [Test]
    public void Bzimage_sets_up_for_64_bit_boot()
    {
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(BzImageBytes), CommandLine = "console=ttyS0 nokaslr", Initrd = new byte[0x10_0000] });
        result.Protocol.ShouldBe(BootProtocol.Linux64);
        result.Entry.ShouldBe(0x10_0200UL); // boot.rst 64-bit entry: load address + 0x200
        var kernel = BzImageKernel.Parse(BzImageBytes);
        memory.ReadBytes(0x10_0000, 4096).ShouldBe(BzImageBytes.AsSpan((int)kernel.ProtectedModeOffset, 4096).ToArray());
        var page = ZeroPageContents.Read(memory.ReadBytes(0x7000, 4096));
        page.Sentinel.ShouldBe((byte)0);
        page.Header.Version.ShouldBe((ushort)0x020F);
        page.InitrdAddress.ShouldBe(result.Initrd!.Value.Address);
        // The initrd must clear the decompressed kernel: runtime start 0x1000000 + init_size.
        page.InitrdAddress.ShouldBeGreaterThanOrEqualTo(kernel.Header.PrefAddress + kernel.Header.InitSize);
    }

    [Test]
    public void Fetch_script_leaves_the_vmlinux_our_extractor_produces()
    {
        // fixtures/fetch-debian-kernels.sh runs `loader-harness extract-vmlinux` on the package's vmlinuz.
        var fetched = File.ReadAllBytes(Path.Combine(DebianKernel.Directory(), "vmlinux"));
        fetched.AsSpan().SequenceEqual(Vmlinux).ShouldBeTrue();
    }

    [Test]
    public void Extracted_vmlinux_is_placed_by_physical_address()
    {
        var elf = ElfKernel.Parse(Vmlinux);
        // The issue: Debian's vmlinux entry 0x1000000 is physical; the per-CPU segment has p_vaddr 0.
        elf.Header.Entry.ShouldBe(0x100_0000UL);
        var loads = elf.ProgramHeaders.Where(p => p.Type == ElfProgramHeader.TypeLoad).ToArray();
        loads.ShouldContain(p => p.VirtualAddress == 0 && p.PhysicalAddress >= 0x100_0000);
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var result = ElfKernel.Load(memory, Vmlinux, null, 0x10_0000);
        foreach (var ph in loads)
            memory.ReadBytes(ph.PhysicalAddress, 64).ShouldBe(Vmlinux.AsSpan((int)ph.Offset, 64).ToArray());
        result.KernelEnd.ShouldBe(loads.Max(p => p.PhysicalAddress + p.MemorySize));
    }

    [Test]
    public void Extracted_vmlinux_sets_up_for_pvh()
    {
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(Vmlinux), CommandLine = "console=ttyS0" });
        result.Protocol.ShouldBe(BootProtocol.Pvh);
        // CONFIG_PVH=y: pvh_start_xen lies inside the kernel's text, above its 16 MiB load address.
        result.Entry.ShouldBeInRange(0x100_0000UL, result.Kernel.KernelEnd);
        StartInfo.ReadFrom(memory, result.BootStructureAddress).Memmap.ShouldBe(result.MemoryMap);
    }
}
