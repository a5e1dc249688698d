using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's 6.12 cloud vmlinux carries XEN_ELFNOTE_PHYS32_RELOC (align 2 MiB, min 16 MiB, max 1 GiB − 1): loaded
/// away from its link address by that note, it boots through PVH to <c>start_kernel</c> from where it was put
/// (arch/x86/platform/pvh/head.S finds its load address and fixes its page tables; __startup_64 sets phys_base).
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class RelocatedPvhRealKernelTests
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";
    /// <summary>LOAD_PHYSICAL_ADDR of Debian's config (CONFIG_PHYSICAL_START 0x1000000): the vmlinux's lowest p_paddr.</summary>
    private const ulong LinkAddress = 0x100_0000;

    [TestCase(0x500_0000UL, Description = "moved up 64 MiB")]
    public void Debian_6_12_loaded_relocated_by_note_19_boots_through_pvh_to_start_kernel(ulong moved)
    {
        var vmlinux = DebianKernelSet.Amd64Cloud612.Vmlinux();
        var kernel = KernelImage.Parse(vmlinux);
        var symbols = KallsymsReader.Recover(vmlinux);
        var profile = VmmProfiles.Firecracker;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = kernel,
            Initrd = DebianBoot.Initrd,
            CommandLine = Cmdline,
            Protocol = BootProtocol.Pvh,
            PvhRelocation = new PvhRelocationRequest { Address = moved },
        }));

        setup.Protocol.ShouldBe(BootProtocol.Pvh);
        setup.Kernel.Segments.Min(s => s.GuestAddress).ShouldBe(moved);
        setup.Entry.ShouldBe(kernel.Elf!.PvhEntry!.Value + (moved - LinkAddress));

        var report = KernelBoot.Run(memory, setup, new KernelBootOptions { Symbols = symbols, Until = "start_kernel", Profile = profile });
        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.StopLocation.ShouldBe("start_kernel");
        report.KernelPhysical.ShouldBe(moved);
        // phys_base: the kernel's physical minus link placement (arch/x86/kernel/head64.c __startup_64 load_delta).
        report.Readback!.X86!.PhysBase.ShouldBe(moved - LinkAddress);
        report.Readback.BootCommandLine.ShouldBe(Cmdline);
        report.Readback.X86.Ramdisk.ShouldBe(setup.Initrd!.Value);
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
    }

    [Test]
    public void Debian_6_12_at_a_seeded_start_boots_from_that_start()
    {
        var vmlinux = DebianKernelSet.Amd64Cloud612.Vmlinux();
        var profile = VmmProfiles.Firecracker;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(vmlinux),
            CommandLine = Cmdline,
            Protocol = BootProtocol.Pvh,
            PvhRelocation = new PvhRelocationRequest { Seed = 2026 },
        }));
        var start = setup.Kernel.Segments.Min(s => s.GuestAddress);
        (start % 0x20_0000).ShouldBe(0UL);
        start.ShouldNotBe(LinkAddress, "seed 2026 should draw a start other than the link address");

        var report = KernelBoot.Run(memory, setup, new KernelBootOptions { Symbols = KallsymsReader.Recover(vmlinux), Until = "start_kernel", Profile = profile });
        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.KernelPhysical.ShouldBe(start);
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
    }
}
