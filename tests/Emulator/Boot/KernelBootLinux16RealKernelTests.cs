using Iced.Intel;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Bios;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's real bzImages through the 16-bit entry, as GRUB, SYSLINUX and QEMU's linuxboot option ROM start
/// them: the kernel's own setup code (arch/x86/boot) runs in real mode on the harness's BIOS, builds
/// boot_params from the BIOS's answers, goes to protected mode and jumps to code32_start with ESI = its
/// boot_params (arch/x86/boot/pmjump.S); the decompressor then runs as through the 32-bit entry.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class KernelBootLinux16RealKernelTests
{
    private const string Cmdline = "console=ttyS0 panic=-1";

    private static IEnumerable<TestCaseData> RealModeProfiles() => DebianBoot.ProfilesWith(X86EntryMode.Real);

    private static IEnumerable<TestCaseData> KernelsAndProfiles() =>
        from kernel in new[] { DebianKernelSet.Amd64Cloud61, DebianKernelSet.Amd64Cloud612, DebianKernelSet.Amd64Generic612 }
        from profile in VmmProfiles.X86.Where(p => p.X86!.Supports(X86EntryMode.Real))
        select new TestCaseData(kernel, profile.Name).SetArgDisplayNames(kernel.Folder, profile.Name);

    [TestCaseSource(nameof(RealModeProfiles))]
    public void The_6_1_bzImage_reaches_start_kernel_holding_the_e820_the_bios_returned(string profile)
    {
        var vmm = VmmProfiles.Find(profile)!;
        var (report, setup) = DebianBoot.Boot(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.BzImage),
            Initrd = DebianBoot.Initrd,
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux16,
        }, vmm);

        setup.Protocol.ShouldBe(BootProtocol.Linux16);
        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        report.Contracts.Single(c => c.Contract.Id == "x86.run.e820").Verdict.ShouldBe(ContractVerdict.Pass);
        var readback = report.Readback.ShouldNotBeNull().X86.ShouldNotBeNull();
        // memory.c detect_memory_e820 copies every entry INT 15h E820h returned: the profile's whole map.
        readback.E820.ShouldBe(setup.MemoryMap);
        report.Readback.BootCommandLine.ShouldBe(Cmdline);
        // main.c copy_boot_params copies the setup header the loader wrote: type_of_loader, the initrd.
        readback.TypeOfLoader.ShouldBe(ZeroPageContents.Read(setup.BootStructure).Header.TypeOfLoader);
        readback.Ramdisk.ShouldBe(setup.Initrd!.Value);
        // The setup code's "Probing EDD" line went through INT 10h teletype to the console.
        report.Console.ShouldContain("Probing EDD (edd=off to disable)... ok");
        report.Succeeded.ShouldBeTrue();
    }

    /// <summary>
    /// Debian 12's 6.12 cloud bzImage (zstd payload, entered at _text + startup_64's offset) through its own
    /// real-mode setup code: the decompressed kernel is found and holds the E820 the BIOS returned.
    /// </summary>
    [TestCaseSource(nameof(RealModeProfiles))]
    public void The_6_12_bzImage_reaches_start_kernel_holding_the_e820_the_bios_returned(string profile)
    {
        var kernel = DebianKernelSet.Amd64Cloud612;
        var bzImage = File.ReadAllBytes(Path.Combine(kernel.Directory(), "vmlinuz"));
        var vmm = VmmProfiles.Find(profile)!;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, vmm.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(bzImage),
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux16,
        }));

        var report = KernelBoot.Run(memory, setup, new KernelBootOptions
        {
            Symbols = KernelBoot.RecoverSymbols(bzImage),
            Until = "start_kernel",
            Profile = vmm,
        });

        report.Milestone.ShouldBe("start_kernel", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        report.Contracts.Single(c => c.Contract.Id == "x86.run.e820").Verdict.ShouldBe(ContractVerdict.Pass);
        // memory.c detect_memory_e820 copies every entry INT 15h E820h returned: the profile's whole map.
        report.Readback.ShouldNotBeNull().X86.ShouldNotBeNull().E820.ShouldBe(setup.MemoryMap);
        report.Readback.BootCommandLine.ShouldBe(Cmdline);
    }

    [Test]
    public void The_6_1_bzImage_runs_init_and_logs_the_e820_the_bios_returned()
    {
        var vmm = VmmProfiles.Qemu;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, vmm.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(DebianBoot.BzImage),
            Initrd = FixtureInitramfs.BuildX86_64(),
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux16,
        }));

        var report = KernelBoot.Run(memory, setup, new KernelBootOptions
        {
            Symbols = DebianBoot.Symbols,
            Until = ConsoleMilestones.Init,
            Profile = vmm,
            MaxInstructions = 3_000_000_000,
        });

        report.Milestone.ShouldBe(ConsoleMilestones.Init, $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}");
        // The kernel prints its own "BIOS-e820:" table (arch/x86/kernel/e820.c e820__print_table): the BIOS's answers.
        report.Contracts.Single(c => c.Contract.Id == "x86.log.e820").Verdict.ShouldBe(ContractVerdict.Pass);
        report.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        TestContext.Out.WriteLine($"init after {report.Instructions:N0} instructions, {report.WallTime.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Every kernel's real-mode part, up to code32_start: the setup code asked only what the BIOS answers, and the
    /// boot_params it hands on (ESI) carries the E820 entries the BIOS returned. Independent of finding the
    /// decompressed kernel afterwards.
    /// </summary>
    [TestCaseSource(nameof(KernelsAndProfiles))]
    public void The_setup_code_hands_code32_start_the_e820_the_bios_returned(DebianKernelSet kernel, string profile)
    {
        var bzImage = File.ReadAllBytes(Path.Combine(kernel.Directory(), "vmlinuz"));
        var vmm = VmmProfiles.Find(profile)!;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, vmm.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(bzImage),
            CommandLine = Cmdline,
            Protocol = BootProtocol.Linux16,
        }));
        var cpu = (X86Cpu)VcpuSetup.Create(memory, setup, vmm);
        var bios = cpu.Firmware.ShouldBeOfType<PcBios>();
        cpu.AddStopAddress(setup.Kernel.KernelLoad); // code32_start (boot.rst: 0x100000 for a bzImage)

        var run = cpu.Run(20_000_000);

        run.Reason.ShouldBe(StopReason.AddressReached, run.ToString());
        (cpu.Cr0 & ControlBits.Cr0Pe).ShouldBe(ControlBits.Cr0Pe);
        bios.Calls.Where(c => !c.Answered).ShouldBeEmpty();
        // The calls arch/x86/boot makes: E820h (memory.c), 88h, E801h, keyboard (main.c), EDD (edd.c), video (video*.c).
        bios.Calls.Count(c => c.Vector == 0x15 && c.Ax == 0xE820).ShouldBe(setup.MemoryMap.Count);
        bios.Calls.ShouldContain(c => c.Vector == 0x13 && c.Ax >> 8 == 0x41);
        bios.Calls.ShouldContain(c => c.Vector == 0x10 && c.Ax >> 8 == 0x0F);
        bios.E820Returned.ShouldBe(setup.MemoryMap);
        var bootParams = ZeroPageContents.Read(memory.ReadBytes((uint)cpu[Register.ESI], BootParamsLayout.Size));
        bootParams.E820.ShouldBe(bios.E820Returned);
        bootParams.Header.CmdLinePtr.ShouldBe((uint)setup.CommandLineAddress);
        TestContext.Out.WriteLine($"{kernel.Folder} {profile}: code32_start after {cpu.TotalInstructions:N0} instructions, {bios.Calls.Count} BIOS calls");
    }
}
