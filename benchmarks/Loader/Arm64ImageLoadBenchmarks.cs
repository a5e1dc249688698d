using BenchmarkDotNet.Attributes;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// Loading Debian's arm64 Image (in memory) at a 2 MiB-aligned DRAM base against a raw copy of the same bytes
/// to the same address. Needs fixtures/kernels/arm64 (fixtures/fetch-debian-kernels.sh arm64).
/// </summary>
[MemoryDiagnoser]
public class Arm64ImageLoadBenchmarks
{
    private const ulong DramBase = 0x8000_0000;
    private GuestMemory _memory = null!;
    private byte[] _image = null!;
    private ulong _loadAddress;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new GuestMemory([new GuestRegion(DramBase, 256UL << 20)]);
        _image = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/arm64/Image"));
        _loadAddress = ImageKernel.Load(_memory, _image, DramBase).KernelLoad;
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    /// <summary>Baseline: copy the Image to where the loader puts it (base + text_offset).</summary>
    [Benchmark(Baseline = true)]
    public void RawCopy() => _memory.Write(_loadAddress, _image);

    /// <summary>Parse the header, validate and load.</summary>
    [Benchmark]
    public ulong Load() => ImageKernel.Load(_memory, _image, DramBase).KernelEnd;
}
