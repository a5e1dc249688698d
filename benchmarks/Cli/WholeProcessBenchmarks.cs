using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace LoaderHarness.Benchmarks.Cli;

/// <summary>
/// Whole processes of the native <c>loader-harness</c> (published with NativeAOT to bin/native, README) side by
/// side with QEMU TCG doing the same job in the same run: process start → first console line of Debian's 6.1
/// cloud vmlinux through PVH (QEMU microvm, which boots the vmlinux's PVH note too), process start →
/// <c>start_kernel</c> of the cloud bzImage (QEMU <c>-M pc</c> to its first console line, the earliest it shows),
/// start-up alone (<c>--version</c> each), the default <c>conform</c> run, and <c>measure</c> against <c>sha256sum</c> of the
/// same files. A console line counts when it
/// arrives on the process's output; the process is then ended. Where QEMU is not installed its benchmarks
/// return at once and say so.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class WholeProcessBenchmarks
{
    /// <summary>The kernel's first line with earlyprintk: "[    0.000000] Linux version ..." (init/main.c start_kernel pr_notice of linux_banner).</summary>
    private const string FirstLine = "Linux version";
    private const string CommandLine = "console=ttyS0 earlyprintk=ttyS0";
    private string _cli = null!;
    private string _vmlinux = null!;
    private string _bzImage = null!;
    private string _initramfs = null!;
    private string? _qemu;

    [GlobalSetup]
    public void Setup()
    {
        _cli = KernelFiles.Find("bin/native/loader-harness")
            ?? throw new InvalidOperationException("bin/native/loader-harness not found: dotnet publish emulator-harness/LoaderHarness.Cli -c Release -r linux-x64 -o bin/native");
        _vmlinux = KernelFiles.Require("fixtures/kernels/amd64/vmlinux");
        _bzImage = KernelFiles.Require("fixtures/kernels/amd64/vmlinuz");
        _initramfs = KernelFiles.Require("fixtures/generated/initramfs/initramfs-x86_64.cpio");
        _qemu = new[] { "/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64" }.FirstOrDefault(File.Exists);
        if (_qemu is null)
            Console.WriteLine("// qemu-system-x86_64 is not installed: the Qemu* benchmarks are skipped (they return at once)");
    }

    /// <summary>Native start-up alone: start, print the version, exit.</summary>
    [Benchmark]
    public void StartUpVersion() => Run(_cli, ["--version"], null);

    /// <summary>QEMU's start-up alone, for scale.</summary>
    [Benchmark]
    public void QemuStartUpVersion() => RunQemu(["--version"], null);

    /// <summary>Native: process start → map vmlinux → PVH setup → engine → first COM1 line.</summary>
    [Benchmark]
    public void PvhToFirstConsoleLine() => Run(_cli, ["boot", _vmlinux, "--protocol", "pvh", "--cmdline", CommandLine, "--until", "console", "--console"], FirstLine);

    /// <summary>QEMU microvm: process start → PVH entry of the same vmlinux → first serial line.</summary>
    [Benchmark]
    public void QemuMicrovmPvhToFirstConsoleLine() =>
        RunQemu(["-M", "microvm", "-m", "1G", "-display", "none", "-serial", "stdio", "-no-reboot", "-kernel", _vmlinux, "-append", CommandLine], FirstLine);

    /// <summary>Native: process start → bzImage 64-bit entry → its decompressor → <c>start_kernel</c> → exit.</summary>
    [Benchmark]
    public void BzImageToStartKernel() => Run(_cli, ["boot", _bzImage, "--cmdline", CommandLine], null);

    /// <summary>QEMU -M pc: process start → SeaBIOS → bzImage → decompressor → first serial line.</summary>
    [Benchmark]
    public void QemuPcBzImageToFirstConsoleLine() =>
        RunQemu(["-M", "pc", "-m", "1G", "-display", "none", "-serial", "stdio", "-no-reboot", "-kernel", _bzImage, "-append", CommandLine], FirstLine);

    /// <summary>Native: the default conformance run (53 cases, 26 mutants).</summary>
    [Benchmark]
    public void ConformDefault() => Run(_cli, ["conform"], null);

    /// <summary>Native <c>measure</c>: the bzImage, our initramfs and a command line hashed the way QEMU's SEV table needs, the table built.</summary>
    [Benchmark]
    public void MeasureKernelInitrdCmdline() => Run(_cli, ["measure", _bzImage, "--initrd", _initramfs, "--cmdline", CommandLine], null);

    /// <summary>Baseline for <see cref="MeasureKernelInitrdCmdline"/>: coreutils <c>sha256sum</c> of the same two files.</summary>
    [Benchmark]
    public void Sha256sumOfTheSameFiles() => Run("sha256sum", [_bzImage, _initramfs], null);

    private void RunQemu(string[] args, string? until)
    {
        if (_qemu is not null)
            Run(_qemu, args, until);
    }

    /// <summary>Runs to exit, or until a line containing <paramref name="until"/> appears on stdout or stderr (then kills it).</summary>
    private static void Run(string file, string[] args, string? until) => Run(file, args, until, TimeSpan.FromSeconds(120));

    /// <summary>
    /// Runs to exit, or until a line containing <paramref name="until"/> appears on stdout or stderr (then kills it);
    /// fails after <paramref name="timeout"/>.
    /// </summary>
    internal static void Run(string file, string[] args, string? until, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var process = Process.Start(start)!;
        using var seen = new ManualResetEventSlim();
        void OnLine(object _, DataReceivedEventArgs e)
        {
            if (until is not null && e.Data?.Contains(until, StringComparison.Ordinal) == true)
                seen.Set();
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (until is null)
        {
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}");
            return;
        }
        if (!seen.Wait(timeout))
        {
            if (!process.HasExited)
                process.Kill();
            throw new TimeoutException($"{file} printed no '{until}' line in {timeout.TotalSeconds:F0} s");
        }
        if (!process.HasExited)
            process.Kill();
        process.WaitForExit();
    }
}
