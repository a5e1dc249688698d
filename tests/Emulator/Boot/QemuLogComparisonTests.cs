using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// Debian's 6.1 cloud kernel booted with our initramfs to /init in our engine and in QEMU 7.2 TCG, the two logs
/// compared line by line on what both VMMs set up the same way: the same kernel (its banner), the same command line
/// (setup_arch's "Command line:" on x86, start_kernel's "Kernel command line:" on both), the same initrd (unpacked
/// by init/initramfs.c; on x86 reserve_initrd's "RAMDISK:" by size), and /init's line (its command line, pid,
/// /proc mount and number of RAM ranges). Both guests get 512 MiB.
/// <para>
/// Not compared, because the VMMs differ there by design: where RAM, the initrd and the boot structures sit
/// (Firecracker's layout against QEMU's: the e820 / memory node ranges, RAMDISK's address, "Memory:" totals and
/// /init's MemTotal); the devices (QEMU microvm with acpi=off, virt's GICv2 and virtio-mmio, against the profile's
/// devices: every probe line); the CPU (TCG's Cortex-A57 or qemu64 CPUID against ours: "CPU features", "tsc:",
/// BogoMIPS); and time (printk timestamps, calibration).
/// </para>
/// Under CI=true a missing QEMU or kernel fails the test; elsewhere it is ignored with the command that fixes it.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Qemu")]
[Category("Slow")]
public sealed class QemuLogComparisonTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private const ulong Memory = 512UL << 20;

    private static string Initramfs(string name) => Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, name);

    /// <summary>The lines both architectures compare; <paramref name="initrd"/> adds the architecture's initrd lines.</summary>
    private static ComparedLine[] Rules(params ComparedLine[] initrd) =>
    [
        // init/version.c linux_banner: the same kernel prints the same banner.
        ComparedLine.Exact("banner", "Linux version "),
        // init/main.c start_kernel: saved_command_line, what both VMMs passed.
        ComparedLine.Exact("kernel command line", "Kernel command line: "),
        // init/initramfs.c do_populate_rootfs: an initrd was found and is being unpacked.
        ComparedLine.Exact("initramfs", "Trying to unpack rootfs image as initramfs..."),
        .. initrd,
        // init/main.c kernel_init.
        ComparedLine.Exact("run init", "Run /init as init process"),
        // Our /init's line; MemTotal is RAM less what each layout reserves, so it is left out.
        new ComparedLine("/init's line", InitReport.Marker, KernelLogComparison.Without("memtotal_kb")),
    ];

    private static void Compare(string what, BootReport ours, QemuRun qemu, ComparedLine[] rules)
    {
        TestContext.Out.WriteLine($"{what}: ours {ours.StopReason} after {ours.Instructions:N0} instructions; qemu {qemu.Stop} after {qemu.Elapsed.TotalSeconds:F1} s");
        foreach (var rule in rules)
            TestContext.Out.WriteLine($"  {rule.What}: {KernelLogComparison.Pick(KernelLogComparison.Lines(ours.Console), rule)}");
        InitReport.Find(qemu.Log).ShouldNotBeNull(qemu.ToString());
        InitReport.Find(ours.Console).ShouldNotBeNull(ours.LastConsoleLine);
        KernelLogComparison.Differences(ours.Console, qemu.Log, rules).ShouldBeEmpty();
    }

    [Test]
    public void The_pvh_vmlinux_prints_the_same_banner_command_line_initrd_and_init_line_as_under_qemu_microvm()
    {
        QemuOracle.Require(QemuMachine.Microvm);
        var vmlinux = Path.Combine(DebianKernel.Directory(), "vmlinux");
        if (!File.Exists(vmlinux))
            Prerequisite.Missing($"no vmlinux beside the bzImage: run {DebianKernel.FetchCommand}");
        const string commandLine = "console=ttyS0 panic=-1 loaderharness.compare=pvh";
        var qemu = QemuOracle.Boot(QemuMachine.Microvm, vmlinux, Initramfs(FixtureInitramfs.X86_64), commandLine, Timeout);
        var clock = Stopwatch.StartNew();
        var ours = KernelBoot.Run(File.ReadAllBytes(vmlinux), new KernelBootOptions
        {
            Profile = VmmProfiles.Firecracker,
            Protocol = BootProtocol.Pvh,
            CommandLine = commandLine,
            Initrd = File.ReadAllBytes(Initramfs(FixtureInitramfs.X86_64)),
            MemorySize = Memory,
            Until = ConsoleMilestones.Shutdown,
            MaxInstructions = 2_000_000_000,
            Engine = EngineTier.Tiered,
        });
        TestContext.Out.WriteLine($"ours: {clock.Elapsed.TotalSeconds:F1} s");

        Compare("pvh", ours, qemu, Rules(
            // arch/x86/kernel/setup.c setup_arch: boot_command_line as PVH's start_info carried it.
            ComparedLine.Exact("x86 command line", "Command line: "),
            new ComparedLine("ramdisk size", "RAMDISK: ", KernelLogComparison.RamdiskSize)));
    }

    [Test]
    public void The_arm64_image_prints_the_same_banner_command_line_earlycon_initrd_and_init_line_as_under_qemu_virt()
    {
        QemuOracle.Require(QemuMachine.VirtArm64);
        var image = Path.Combine(DebianArm64Kernel.Directory(), "Image");
        // Both boards have their PL011 at 0x0900_0000 (QEMU hw/arm/virt.c VIRT_UART; our DTB's serial node), so
        // the early console is set up the same way and its line is compared too.
        const string commandLine = "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1 loaderharness.compare=arm64";
        var qemu = QemuOracle.Boot(QemuMachine.VirtArm64, image, Initramfs(FixtureInitramfs.Arm64), commandLine, Timeout);
        var clock = Stopwatch.StartNew();
        var ours = KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions
        {
            Profile = VmmProfiles.FirecrackerArm64,
            CommandLine = commandLine,
            Initrd = File.ReadAllBytes(Initramfs(FixtureInitramfs.Arm64)),
            MemorySize = Memory,
            Until = ConsoleMilestones.Shutdown,
            MaxInstructions = 2_000_000_000,
        });
        TestContext.Out.WriteLine($"ours: {clock.Elapsed.TotalSeconds:F1} s");

        Compare("arm64", ours, qemu, Rules(
            // drivers/tty/serial/earlycon.c earlycon_print_info.
            ComparedLine.Exact("earlycon", "earlycon: ")));
    }

    [Test]
    public void Differences_name_the_line_and_both_sides_and_ignore_timestamps_and_what_is_normalised()
    {
        ComparedLine[] rules =
        [
            ComparedLine.Exact("banner", "Linux version "),
            new ComparedLine("ramdisk size", "RAMDISK: ", KernelLogComparison.RamdiskSize),
            new ComparedLine("/init's line", InitReport.Marker, KernelLogComparison.Without("memtotal_kb")),
        ];
        const string ours = "[    0.000000] Linux version 6.1\n[    0.010000] RAMDISK: [mem 0x3ffff000-0x3fffffff]\r\nLOADERHARNESS-INIT v=1 memtotal_kb=1 cmdline=\"x\"\n";
        const string qemu = "[    0.123456] Linux version 6.1\n[    0.200000] RAMDISK: [mem 0x1ffff000-0x1fffffff]\n[    9.0] xLOADERHARNESS-INIT v=1 memtotal_kb=2 cmdline=\"x\"\n";
        KernelLogComparison.Differences(ours, qemu, rules).ShouldBeEmpty();
        KernelLogComparison.Differences(ours.Replace("6.1", "6.12"), qemu.Replace("[mem 0x1ffff000", "[mem 0x1fffe000"), rules)
            .ShouldBe(
            [
                "banner: ours \"Linux version 6.12\" | qemu \"Linux version 6.1\"",
                "ramdisk size: ours \"RAMDISK: 0x1000 bytes\" | qemu \"RAMDISK: 0x2000 bytes\"",
            ]);
        KernelLogComparison.Differences("", qemu, rules[..1]).ShouldBe(["banner: ours \"(none)\" | qemu \"Linux version 6.1\""]);
    }
}
