using BenchmarkDotNet.Attributes;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// Loading an in-memory kernel into guest memory against the baseline the loader cannot beat: a raw copy
/// of the same bytes into the same guest memory. Uses Debian's bzImage when fixtures/kernels/amd64 holds
/// it (fixtures/fetch-debian-kernels.sh), else a generated 16 MiB one.
/// </summary>
[MemoryDiagnoser]
public class KernelLoadBenchmarks
{
    private GuestMemory _memory = null!;
    private byte[] _bzImage = null!;
    private byte[] _elf = null!;
    private int _pmOffset;

    [GlobalSetup]
    public void Setup()
    {
        _memory = GuestMemory.Flat(256UL << 20);
        var real = RealKernelPath();
        _bzImage = real is not null
            ? File.ReadAllBytes(real)
            : BzImageWriter.Write(new BzImageSpec { ProtectedModeCode = new byte[16 << 20] });
        Console.WriteLine($"// kernel image: {real ?? "generated 16 MiB bzImage"} ({_bzImage.Length} bytes)");
        _pmOffset = (int)BzImageKernel.Parse(_bzImage).ProtectedModeOffset;
        _elf = ElfWriter.Write(new ElfSpec { Code = new byte[_bzImage.Length - _pmOffset] });
    }

    /// <summary>fixtures/kernels/amd64/vmlinuz above the benchmark's (BenchmarkDotNet-generated) working folder.</summary>
    private static string? RealKernelPath()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "fixtures", "kernels", "amd64", "vmlinuz");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    /// <summary>Baseline: copy the protected-mode bytes to 1 MiB.</summary>
    [Benchmark(Baseline = true)]
    public void RawCopy() => _memory.Write(0x10_0000, _bzImage.AsSpan(_pmOffset));

    /// <summary>Parse, validate and load the bzImage.</summary>
    [Benchmark]
    public ulong LoadBzImage() => BzImageKernel.Load(_memory, _bzImage).KernelEnd;

    /// <summary>Parse, validate and load an ELF of the same size.</summary>
    [Benchmark]
    public ulong LoadElf() => ElfKernel.Load(_memory, _elf).KernelEnd;
}
