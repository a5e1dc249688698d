using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Initramfs;

/// <summary>
/// The oracle for "the kernel speaks": QEMU 7.2 TCG boots Debian's real 6.1 cloud kernels (bzImage on pc,
/// vmlinux through PVH on microvm, the arm64 Image on virt) with our fixture initramfs, and our /init's line
/// comes back with the command line we passed. Each test prints the wall time to "Run /init" and to /init's
/// line. Under CI=true a missing QEMU or kernel fails; locally the test is ignored with the command that fixes it.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Qemu")]
[Category("Slow")]
public sealed class QemuInitramfsBootTests
{
    // A slow, shared CI machine: a boot takes ~5 s here; the limit only bounds a hung kernel.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static string Initramfs(string name) =>
        Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, name);

    private static QemuRun BootToInit(QemuMachine machine, string kernel, string initramfs, string commandLine, string architecture)
    {
        var run = QemuOracle.Boot(machine, kernel, Initramfs(initramfs), commandLine, Timeout);
        var toInit = run.TimeOf("Run /init as init process");
        var toLine = run.TimeOf(InitReport.Marker);
        TestContext.Out.WriteLine($"{machine.Name} {Path.GetFileName(kernel)}: 'Run /init' at {toInit?.TotalSeconds:F2} s, /init's line at {toLine?.TotalSeconds:F2} s, {run.Stop} after {run.Elapsed.TotalSeconds:F2} s (wall)");
        // init/main.c kernel_init: "Run %s as init process" before run_init_process execs /init from the initramfs.
        toInit.ShouldNotBeNull(run.ToString());
        var report = InitReport.Find(run.Log);
        report.ShouldNotBeNull(run.ToString());
        report.Version.ShouldBe(InitReport.FormatVersion);
        report.Architecture.ShouldBe(architecture);
        report.Pid.ShouldBe(1);
        report.ProcMount.ShouldBe(0);
        report.CommandLine.ShouldBe(commandLine);
        // 512 MiB guest: MemTotal is RAM less what the kernel keeps for itself (fs/proc/meminfo.c: totalram_pages).
        report.MemTotalKb.ShouldBeInRange(256 * 1024, 512 * 1024);
        run.Stop.ShouldNotBe(QemuStop.TimedOut, run.ToString());
        return run;
    }

    [Test]
    public void Pc_boots_the_debian_bzimage_to_our_init()
    {
        QemuOracle.Require(QemuMachine.Pc);
        var kernel = Path.Combine(DebianKernel.Directory(), "vmlinuz");
        var run = BootToInit(QemuMachine.Pc, kernel, FixtureInitramfs.X86_64, "console=ttyS0 panic=-1 loaderharness.oracle=pc-bzimage", X86InitProgram.Architecture);
        // SeaBIOS's e820 for 512 MiB: RAM below 0x9FC00 and from 1 MiB up, so two "System RAM" resources.
        InitReport.Find(run.Log)!.RamRanges.ShouldBe(2);
        // ACPI S5: the reboot syscall's power-off reaches QEMU, which exits.
        run.Log.ShouldContain("reboot: Power down");
    }

    [Test]
    public void Microvm_boots_the_debian_vmlinux_through_pvh_to_our_init()
    {
        QemuOracle.Require(QemuMachine.Microvm);
        var vmlinux = Path.Combine(DebianKernel.Directory(), "vmlinux");
        if (!File.Exists(vmlinux))
            Prerequisite.Missing($"no vmlinux beside the bzImage: run {DebianKernel.FetchCommand}");
        var run = BootToInit(QemuMachine.Microvm, vmlinux, FixtureInitramfs.X86_64, "console=ttyS0 panic=-1 loaderharness.oracle=microvm-pvh", X86InitProgram.Architecture);
        // QEMU loads an ELF -kernel only through its XEN_ELFNOTE_PHYS32_ENTRY (hw/i386/x86.c: load_elfboot refuses
        // an ELF without the PVH note), so reaching /init means the kernel came in at pvh_start_xen and built its
        // boot_params from hvm_start_info (arch/x86/platform/pvh/enlighten.c); its memmap is the e820 it prints.
        run.Log.ShouldContain("BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable");
        InitReport.Find(run.Log)!.RamRanges.ShouldBe(2);
        // No ACPI: kernel/reboot.c turns POWER_OFF into HALT when nothing can power off.
        run.Log.ShouldContain("reboot: System halted");
    }

    [Test]
    public void Virt_boots_the_debian_arm64_image_to_our_init()
    {
        QemuOracle.Require(QemuMachine.VirtArm64);
        var kernel = Path.Combine(DebianArm64Kernel.Directory(), "Image");
        var run = BootToInit(QemuMachine.VirtArm64, kernel, FixtureInitramfs.Arm64, "console=ttyAMA0 panic=-1 loaderharness.oracle=virt-arm64", Arm64InitProgram.Architecture);
        // The DTB's one /memory node: a single "System RAM" resource.
        InitReport.Find(run.Log)!.RamRanges.ShouldBe(1);
        // PSCI SYSTEM_OFF: QEMU exits.
        run.Log.ShouldContain("reboot: Power down");
    }

    [Test]
    public void Without_our_console_node_the_kernels_builtin_initramfs_still_gives_init_its_console()
    {
        // With CONFIG_INITRAMFS_SOURCE empty (Debian's config), usr/default_cpio_list builds a built-in initramfs
        // with /dev and /dev/console (c 5 1) that init/initramfs.c populate_rootfs unpacks before the external
        // one: init/main.c console_on_rootfs finds the node even when our archive has none, and /init's
        // stdout is open. Our archive keeps its own node for kernels built with another initramfs source.
        QemuOracle.Require(QemuMachine.Microvm);
        var vmlinux = Path.Combine(DebianKernel.Directory(), "vmlinux");
        if (!File.Exists(vmlinux))
            Prerequisite.Missing($"no vmlinux beside the bzImage: run {DebianKernel.FetchCommand}");
        var initramfs = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(initramfs, FixtureInitramfs.Build(X86InitProgram.BuildExecutable(), consoleNode: false));
            const string commandLine = "console=ttyS0 panic=-1 loaderharness.oracle=no-console-node";
            var run = QemuOracle.Boot(QemuMachine.Microvm, vmlinux, initramfs, commandLine, Timeout);
            run.Log.ShouldNotContain("unable to open an initial console", customMessage: run.ToString());
            var report = InitReport.Find(run.Log);
            report.ShouldNotBeNull(run.ToString());
            report.CommandLine.ShouldBe(commandLine);
        }
        finally
        {
            File.Delete(initramfs);
        }
    }

    [Test]
    public void A_hung_guest_is_killed_at_the_timeout()
    {
        var qemu = QemuOracle.Require(QemuMachine.Pc);
        // "-M none": no CPU, nothing to boot; QEMU waits forever until it is killed.
        var run = QemuOracle.Run(qemu, ["-M", "none", "-display", "none", "-nodefaults", "-serial", "stdio"], TimeSpan.FromSeconds(2));
        run.Stop.ShouldBe(QemuStop.TimedOut);
        run.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
    }
}
