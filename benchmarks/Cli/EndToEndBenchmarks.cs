using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace LoaderHarness.Benchmarks.Cli;

/// <summary>
/// Whole CLI processes, from process start to exit, as a user or CI runs them: Debian's vmlinux through PVH to
/// start_kernel (the figure QEMU's software emulation sets: about 0.21 s to its first console line), and the
/// default conform run. Baseline: the same executable printing its help (process and runtime start-up). Needs
/// the CLI built in Release and fixtures/kernels/amd64.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class EndToEndBenchmarks
{
    private string _cli = null!;
    private string _vmlinux = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cli = KernelFiles.Require("emulator-harness/LoaderHarness.Cli/bin/Release/net10.0/loader-harness");
        _vmlinux = KernelFiles.Require("fixtures/kernels/amd64/vmlinux");
    }

    /// <summary>Baseline: start the CLI, print --help, exit.</summary>
    [Benchmark(Baseline = true)]
    public int StartUp() => Run("--help");

    /// <summary>Process start → kallsyms recovery → PVH guest setup → start_kernel → readback → exit.</summary>
    [Benchmark]
    public int BootPvhToStartKernel() => Run("boot", _vmlinux, "--protocol", "pvh", "--cmdline", "console=ttyS0");

    /// <summary>The default conformance run: 47 cases (x86 and arm64) and 26 mutants.</summary>
    [Benchmark]
    public int ConformDefault() => Run("conform");

    private int Run(params string[] args)
    {
        var start = new ProcessStartInfo(_cli, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"loader-harness {string.Join(' ', args)} exited {process.ExitCode}");
        return process.ExitCode;
    }
}
