using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace LoaderHarness.Benchmarks.Cli;

/// <summary>
/// Whole processes to a real kernel's milestones, ours beside QEMU TCG in the same run: process start → the first
/// console line, and process start → our /init's report line (the fixture initramfs), for Debian's 6.1 cloud
/// vmlinux through PVH (QEMU <c>-M microvm,acpi=off</c>, which enters its PVH note too) and the 6.1 cloud arm64
/// Image (QEMU <c>-M virt -cpu cortex-a57</c>). Ours is <c>loader-harness boot … --console</c> on the native build at
/// bin/native/loader-harness when present (NativeAOT: it starts in milliseconds, and compiles hot 64-bit x86 and A64
/// code to x86-64 machine code of its own), else the JIT build at bin/jit/loader-harness, else the framework-dependent
/// build under bin/Release. A run counts when the line arrives on the process's output; the process is then ended. Both guests get 512 MiB and the same command line. Where QEMU is not installed its benchmarks return at
/// once and say so.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class KernelMilestoneBenchmarks
{
    /// <summary>x86's first console line with earlyprintk (init/main.c start_kernel: linux_banner).</summary>
    private const string X86FirstLine = "Linux version";

    /// <summary>arm64's first console line (arch/arm64/kernel/setup.c smp_setup_processor_id).</summary>
    private const string Arm64FirstLine = "Booting Linux on physical CPU";

    /// <summary>What our /init prints first (fixtures/Initramfs: the LOADERHARNESS-INIT report).</summary>
    private const string InitLine = "LOADERHARNESS-INIT";

    private const string X86CommandLine = "console=ttyS0 earlyprintk=ttyS0 panic=-1";
    private const string Arm64CommandLine = "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private string _ours = null!;
    private string _vmlinux = null!;
    private string _image = null!;
    private string _x86Initramfs = null!;
    private string _arm64Initramfs = null!;
    private string? _qemuX86;
    private string? _qemuArm64;

    [GlobalSetup]
    public void Setup()
    {
        _ours = KernelFiles.Find("bin/native/loader-harness") ?? KernelFiles.Find("bin/jit/loader-harness")
                ?? KernelFiles.Find("emulator-harness/LoaderHarness.Cli/bin/Release/net10.0/loader-harness")
                ?? throw new InvalidOperationException("no loader-harness build: dotnet build LoaderHarness.sln -c Release (or publish the native build to bin/native)");
        Console.WriteLine($"// ours: {_ours}");
        _vmlinux = KernelFiles.Require("fixtures/kernels/amd64/vmlinux");
        _image = KernelFiles.Require("fixtures/kernels/arm64/Image");
        _x86Initramfs = KernelFiles.Require("fixtures/generated/initramfs/initramfs-x86_64.cpio");
        _arm64Initramfs = KernelFiles.Require("fixtures/generated/initramfs/initramfs-arm64.cpio");
        _qemuX86 = Installed("qemu-system-x86_64");
        _qemuArm64 = Installed("qemu-system-aarch64");
    }

    /// <summary>Ours: process start → PVH setup → engine → the vmlinux's first COM1 line.</summary>
    [Benchmark]
    public void PvhToFirstConsoleLine() => Ours(_ours, ["boot", _vmlinux, "--protocol", "pvh", "--cmdline", X86CommandLine, "--mem", "512M", "--until", "console"], X86FirstLine);

    /// <summary>QEMU microvm: process start → PVH entry of the same vmlinux → its first serial line.</summary>
    [Benchmark]
    public void QemuMicrovmPvhToFirstConsoleLine() => Qemu(_qemuX86, Microvm(null), X86FirstLine);

    /// <summary>Ours: process start → PVH → the kernel runs our /init → its report line.</summary>
    [Benchmark]
    public void PvhToInitLine() =>
        Ours(_ours, ["boot", _vmlinux, "--protocol", "pvh", "--cmdline", X86CommandLine, "--mem", "512M", "--initrd", _x86Initramfs, "--until", "shutdown"], InitLine);

    /// <summary>QEMU microvm: process start → the same kernel runs the same /init → its report line.</summary>
    [Benchmark]
    public void QemuMicrovmPvhToInitLine() => Qemu(_qemuX86, Microvm(_x86Initramfs), InitLine);

    /// <summary>Ours: process start → the arm64 Image's first PL011 line.</summary>
    [Benchmark]
    public void Arm64ToFirstConsoleLine() => Ours(_ours, ["boot", _image, "--cmdline", Arm64CommandLine, "--mem", "512M", "--until", "console"], Arm64FirstLine);

    /// <summary>QEMU virt: process start → the same Image's first PL011 line.</summary>
    [Benchmark]
    public void QemuVirtArm64ToFirstConsoleLine() => Qemu(_qemuArm64, Virt(null), Arm64FirstLine);

    /// <summary>Ours: process start → the arm64 Image runs our /init → its report line.</summary>
    [Benchmark]
    public void Arm64ToInitLine() =>
        Ours(_ours, ["boot", _image, "--cmdline", Arm64CommandLine, "--mem", "512M", "--initrd", _arm64Initramfs, "--until", "shutdown"], InitLine);

    /// <summary>QEMU virt: process start → the same Image runs the same /init → its report line.</summary>
    [Benchmark]
    public void QemuVirtArm64ToInitLine() => Qemu(_qemuArm64, Virt(_arm64Initramfs), InitLine);

    /// <summary>--console streams the serial output to stderr as it arrives, which is where the line is watched for.</summary>
    private static void Ours(string cli, string[] args, string line) => WholeProcessBenchmarks.Run(cli, [.. args, "--console"], line, Timeout);

    private static void Qemu(string? qemu, string[] args, string line)
    {
        if (qemu is not null)
            WholeProcessBenchmarks.Run(qemu, args, line, Timeout);
    }

    /// <summary>acpi=off: with ACPI tables Debian's 6.1 kernel stalls after "tsc: Marking TSC unstable" under TCG.</summary>
    private string[] Microvm(string? initrd) =>
        [.. Common("microvm,acpi=off", _vmlinux, X86CommandLine, initrd)];

    private string[] Virt(string? initrd) => [.. Common("virt", _image, Arm64CommandLine, initrd), "-cpu", "cortex-a57"];

    private static IEnumerable<string> Common(string machine, string kernel, string commandLine, string? initrd)
    {
        string[] common = ["-M", machine, "-accel", "tcg", "-m", "512M", "-display", "none", "-nodefaults", "-serial", "stdio", "-no-reboot", "-kernel", kernel, "-append", commandLine];
        return initrd is null ? common : [.. common, "-initrd", initrd];
    }

    private static string? Installed(string binary)
    {
        var path = new[] { "/usr/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, binary)).FirstOrDefault(File.Exists);
        if (path is null)
            Console.WriteLine($"// {binary} is not installed: its Qemu* benchmarks are skipped (they return at once)");
        return path;
    }
}
