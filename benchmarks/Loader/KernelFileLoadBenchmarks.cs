using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// Loading the real kernels from files (page cache warm after the first iteration) against a plain read of
/// the same file into the same guest memory. Needs fixtures/kernels/amd64.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KernelFileLoadBenchmarks
{
    private GuestMemory _memory = null!;
    private string _bzImage = null!;
    private string _vmlinux = null!;

    [GlobalSetup]
    public void Setup()
    {
        _memory = GuestMemory.Flat(256UL << 20);
        _bzImage = KernelFiles.Require("fixtures/kernels/amd64/vmlinuz");
        _vmlinux = KernelFiles.Require("fixtures/kernels/amd64/vmlinux");
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    /// <summary>Baseline: read the whole bzImage file into guest memory at 1 MiB.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("bzImage file")]
    public void BzImageFileRead() => ReadInto(_bzImage, 0x10_0000);

    /// <summary>Load the bzImage from its file.</summary>
    [Benchmark, BenchmarkCategory("bzImage file")]
    public ulong BzImageFileLoad()
    {
        using var file = File.OpenRead(_bzImage);
        return BzImageKernel.Load(_memory, file).KernelEnd;
    }

    /// <summary>Baseline: read the whole vmlinux file into guest memory at 16 MiB.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("vmlinux file")]
    public void VmlinuxFileRead() => ReadInto(_vmlinux, 0x100_0000);

    /// <summary>Load the vmlinux from its file (headers and notes first, then each PT_LOAD straight into guest memory).</summary>
    [Benchmark, BenchmarkCategory("vmlinux file")]
    public ulong VmlinuxFileLoad()
    {
        using var file = File.OpenRead(_vmlinux);
        return ElfKernel.Load(_memory, file).KernelEnd;
    }

    private void ReadInto(string path, ulong address)
    {
        using var file = File.OpenRead(path);
        _memory.CopyFrom(address, file, (ulong)file.Length);
    }
}
