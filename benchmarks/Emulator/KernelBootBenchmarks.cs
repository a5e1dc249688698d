using BenchmarkDotNet.Attributes;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Benchmarks.Emulator;

/// <summary>
/// The budgets: Debian's real kernel from its first instruction to <c>start_kernel</c> in the engine,
/// through PVH (goal well under 1 s) and through the bzImage's own lz4 decompressor (goal under 10 s), with
/// the Firecracker profile and <c>nokaslr</c>. Guest setup happens outside the measured part. Needs
/// fixtures/kernels/amd64/vmlinuz (fixtures/fetch-debian-kernels.sh).
/// </summary>
[SimpleJob(warmupCount: 1, iterationCount: 5)]
public class KernelBootBenchmarks
{
    private byte[] _bzImage = null!;
    private byte[] _vmlinux = null!;
    private SymbolTable _symbols = null!;
    private GuestMemory? _memory;
    private GuestSetupResult? _setup;

    [GlobalSetup]
    public void Setup()
    {
        var path = KernelPath() ?? throw new InvalidOperationException("no fixtures/kernels/amd64/vmlinuz: run fixtures/fetch-debian-kernels.sh amd64");
        _bzImage = File.ReadAllBytes(path);
        _vmlinux = VmlinuxExtractor.Extract(_bzImage);
        _symbols = KallsymsReader.Recover(_vmlinux);
    }

    private static string? KernelPath()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "fixtures", "kernels", "amd64", "vmlinuz");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    [IterationSetup(Target = nameof(PvhToStartKernel))]
    public void SetUpPvh() => SetUpGuest(_vmlinux);

    [IterationSetup(Target = nameof(BzImageToStartKernel))]
    public void SetUpBzImage() => SetUpGuest(_bzImage);

    private void SetUpGuest(byte[] kernel)
    {
        _memory?.Dispose();
        _memory = GuestMemory.WithMmioGap(1UL << 30);
        _setup = GuestSetup.Run(_memory, new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), CommandLine = "console=ttyS0 nokaslr" });
    }

    [GlobalCleanup]
    public void Cleanup() => _memory?.Dispose();

    /// <summary>vmlinux at its PVH entry (pvh_start_xen) to start_kernel.</summary>
    [Benchmark]
    public ulong PvhToStartKernel() => Boot();

    /// <summary>bzImage at its 64-bit entry, decompressing itself, to start_kernel.</summary>
    [Benchmark]
    public ulong BzImageToStartKernel() => Boot();

    private ulong Boot()
    {
        var report = KernelBoot.Run(_memory!, _setup!, new KernelBootOptions { Symbols = _symbols });
        if (report.Milestone is null)
            throw new InvalidOperationException($"start_kernel not reached: {report.StopReason} at {report.StopLocation}");
        return report.Instructions;
    }
}
