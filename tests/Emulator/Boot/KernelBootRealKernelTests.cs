using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's real 6.1 kernel booted in the engine through each entry to
/// <c>start_kernel</c>, with what the kernel accepted read back from its own memory (arch/x86/kernel/head64.c copy_bootdata, setup.c boot_params).
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class KernelBootRealKernelTests
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";
    /// <summary>LOAD_PHYSICAL_ADDR = CONFIG_PHYSICAL_START (Debian config: 0x1000000).</summary>
    private const ulong LoadPhysicalAddress = 0x100_0000;

    private static void ShouldReachStartKernel(BootReport report)
    {
        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.StopLocation.ShouldBe("start_kernel");
        report.Readback.ShouldNotBeNull();
        // The readback verdicts (what the kernel holds against what the loader gave it) all hold.
        report.Contracts.Where(c => X86ReadbackContracts.All.Contains(c.Contract)).Select(c => c.Verdict)
            .ShouldAllBe(v => v == ContractVerdict.Pass || v == ContractVerdict.NotApplicable);
        report.Contracts.Count(c => X86ReadbackContracts.All.Contains(c.Contract) && c.Verdict == ContractVerdict.Pass).ShouldBeGreaterThanOrEqualTo(5);
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        report.Succeeded.ShouldBeTrue();
    }

    private static IEnumerable<TestCaseData> PvhProfiles() => DebianBoot.ProfilesWith(X86EntryMode.Pvh);
    private static IEnumerable<TestCaseData> Long64Profiles() => DebianBoot.ProfilesWith(X86EntryMode.Long64);
    private static IEnumerable<TestCaseData> Protected32Profiles() => DebianBoot.ProfilesWith(X86EntryMode.Protected32);

    [TestCaseSource(nameof(PvhProfiles))]
    public void Pvh_reaches_start_kernel(string profile)
    {
        var (report, setup) = DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.Vmlinux), Initrd = DebianBoot.Initrd, CommandLine = Cmdline },
            VmmProfiles.Find(profile));

        setup.Protocol.ShouldBe(BootProtocol.Pvh);
        ShouldReachStartKernel(report);
        var readback = report.Readback!.X86!;
        // init_pvh_bootparams (arch/x86/platform/pvh/enlighten.c): memmap + ISA hole, version 0x020C, type_of_loader 0xB0, module 0 = ramdisk.
        readback.E820.ShouldBe([.. setup.MemoryMap, new MemoryMapEntry(0xA_0000, 0x6_0000, MemoryType.Reserved)]);
        readback.ProtocolVersion.ShouldBe((ushort)0x020C);
        readback.TypeOfLoader.ShouldBe((byte)0xB0);
        readback.Ramdisk.ShouldBe(setup.Initrd!.Value);
        report.Readback.BootCommandLine.ShouldBe(Cmdline);
        report.KernelPhysical.ShouldBe(LoadPhysicalAddress);
        readback.PhysBase.ShouldBe(0UL); // loaded at its link address
    }

    [TestCaseSource(nameof(Long64Profiles))]
    public void Vmlinux_64_bit_entry_reaches_start_kernel(string profile)
    {
        var (report, setup) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.Vmlinux),
            Initrd = DebianBoot.Initrd,
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux64,
        }, VmmProfiles.Find(profile));

        ShouldReachStartKernel(report);
        // copy_bootdata (§6.2): boot_params is the zero page as written (sentinel 0: nothing sanitised).
        report.Readback!.X86!.BootParams.ShouldBe(setup.BootStructure);
        report.Readback.BootCommandLine.ShouldBe(Cmdline);
        report.Readback.X86.Ramdisk.ShouldBe(setup.Initrd!.Value);
    }

    [TestCaseSource(nameof(Long64Profiles))]
    public void Bzimage_64_bit_entry_decompresses_and_reaches_start_kernel(string profile)
    {
        var (report, setup) = DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.BzImage), Initrd = DebianBoot.Initrd, CommandLine = Cmdline },
            VmmProfiles.Find(profile));

        setup.Protocol.ShouldBe(BootProtocol.Linux64);
        ShouldReachStartKernel(report);
        // nokaslr: the decompressor puts the kernel at LOAD_PHYSICAL_ADDR, unrelocated.
        report.KernelPhysical.ShouldBe(LoadPhysicalAddress);
        report.VirtualOffset.ShouldBe(0UL);
        // The decompressor stores the RSDP it found by scanning when the VMM passed none (crosvm): misc.c extract_kernel
        // boot_params->acpi_rsdp_addr = get_rsdp_addr().
        var expected = (byte[])setup.BootStructure.Clone();
        if (VmmProfiles.Find(profile)?.X86?.Acpi is { } acpi && BitConverter.ToUInt64(expected, BootParamsLayout.AcpiRsdpAddr) == 0)
            BitConverter.TryWriteBytes(expected.AsSpan(BootParamsLayout.AcpiRsdpAddr), acpi.RsdpAddress);
        report.Readback!.X86!.BootParams.ShouldBe(expected);
        report.Readback.X86.ProtocolVersion.ShouldBe((ushort)0x020F); // the image's own header (2.15)
    }

    [Test]
    public void Bzimage_64_bit_entry_with_kaslr_reaches_start_kernel_relocated()
    {
        const string kaslr = "console=ttyS0 panic=-1";
        var (report, setup) = DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.BzImage), CommandLine = kaslr });

        ShouldReachStartKernel(report);
        report.Readback!.BootCommandLine.ShouldBe(kaslr);
        // arch/x86/boot/compressed/kaslr.c: physical and virtual choices are CONFIG_PHYSICAL_ALIGN (2 MiB)
        // multiples, the physical one at or above LOAD_PHYSICAL_ADDR; KASLR_FLAG (loadflags bit 1) tells the kernel.
        report.KernelPhysical!.Value.ShouldBeGreaterThanOrEqualTo(LoadPhysicalAddress);
        (report.KernelPhysical.Value % 0x20_0000).ShouldBe(0UL);
        (report.VirtualOffset!.Value % 0x20_0000).ShouldBe(0UL);
        (report.KernelPhysical.Value != LoadPhysicalAddress || report.VirtualOffset.Value != 0).ShouldBeTrue("KASLR moved nothing");
        (report.Readback.X86!.BootParams[BootParamsLayout.LoadFlags] & 0x02).ShouldBe(0x02);
        // __startup_64's phys_base agrees with where the harness found the kernel: phys = virt − __START_KERNEL_map
        // + phys_base (arch/x86/include/asm/page_64.h __phys_addr_nodebug), i.e. phys_base = physical _text − (link _text + virtual offset − map).
        report.Readback.X86!.PhysBase.ShouldBe(report.KernelPhysical.Value - (DebianBoot.Symbols.AddressOf("_text")!.Value + report.VirtualOffset.Value - 0xFFFF_FFFF_8000_0000));
    }

    [Test]
    public void Kaslr_follows_the_rdrand_seed()
    {
        // kaslr_get_random_long (arch/x86/lib/kaslr.c) mixes RDRAND in when CPUID has it: the same seed must
        // give the same placement, another seed another one.
        (ulong?, ulong?) Placement(ulong seed)
        {
            var (report, _) = DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.BzImage), CommandLine = "console=ttyS0" }, randomSeed: seed);
            ShouldReachStartKernel(report);
            return (report.KernelPhysical, report.VirtualOffset);
        }

        var first = Placement(1);
        Placement(1).ShouldBe(first);
        Placement(2).ShouldNotBe(first);
    }

    [TestCaseSource(nameof(Protected32Profiles))]
    public void Bzimage_32_bit_entry_reaches_start_kernel(string profile)
    {
        var (report, setup) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.BzImage),
            Initrd = DebianBoot.Initrd,
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux32,
        }, VmmProfiles.Find(profile));

        setup.Entry.ShouldBe(setup.Kernel.KernelLoad); // code32_start, rewritten to where the VMM put the kernel
        ShouldReachStartKernel(report);
        report.KernelPhysical.ShouldBe(LoadPhysicalAddress);
        // startup_32 uses boot_params.scratch (0x1E4) as a one-slot stack (arch/x86/boot/compressed/head_64.S startup_32).
        report.Readback!.X86!.BootParams.AsSpan(0x1E4, 4).ToArray().ShouldNotBe(setup.BootStructure.AsSpan(0x1E4, 4).ToArray());
    }

    [Test]
    public void Wrong_start_info_magic_stops_at_the_bug_in_xen_prepare_pvh()
    {
        var (report, _) = DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.Vmlinux), CommandLine = Cmdline },
            tamper: (memory, setup) => memory.WriteU32(setup.BootStructureAddress, 0xDEAD_BEEF));

        // xen_prepare_pvh: magic != XEN_HVM_START_MAGIC_VALUE ⇒ BUG() = ud2 (§6.1); with Firecracker's 8-byte
        // IDT the #UD cannot be delivered and escalates to a triple fault at the ud2.
        report.Milestone.ShouldBeNull();
        report.StopReason.ShouldBe(StopReason.TripleFault);
        report.StopLocation.ShouldStartWith("xen_prepare_pvh+");
        report.StopDetail.ShouldNotBeNull().ShouldContain("first fault #UD");
    }

    [Test]
    public void Vmlinux_off_a_2_mib_boundary_spins_in_startup64()
    {
        // __startup_64: "if (load_delta & ~PMD_MASK) for (;;);" (arch/x86/kernel/head64.c).
        var (report, _) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.Vmlinux),
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux64,
            VmlinuxLoadOffset = 0x1000,
        });

        report.Milestone.ShouldBeNull();
        report.StopReason.ShouldBe(StopReason.SelfLoop);
        report.StopLocation.ShouldStartWith("__startup_64+");
    }
}
