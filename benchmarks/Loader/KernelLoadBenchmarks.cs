using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// Loading Debian's real kernels, already in memory, into guest memory, each against the baseline the loader
/// cannot beat: a raw copy of the same bytes to the same guest addresses (per category: the bzImage and
/// the vmlinux extracted from it). Needs fixtures/kernels/amd64 (fixtures/fetch-debian-kernels.sh amd64).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KernelLoadBenchmarks
{
    private GuestMemory _memory = null!;
    private byte[] _bzImage = null!;
    private byte[] _vmlinux = null!;
    private int _pmOffset;
    private (int Offset, int Length, ulong Address)[] _segments = null!;

    [GlobalSetup]
    public void Setup()
    {
        _memory = GuestMemory.Flat(256UL << 20);
        _bzImage = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/amd64/vmlinuz"));
        _vmlinux = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/amd64/vmlinux"));
        _pmOffset = (int)BzImageKernel.Parse(_bzImage).ProtectedModeOffset;
        _segments = ElfKernel.Parse(_vmlinux).ProgramHeaders
            .Where(p => p.Type == ElfProgramHeader.TypeLoad && p.FileSize > 0)
            .Select(p => ((int)p.Offset, (int)p.FileSize, p.PhysicalAddress)).ToArray();
        Console.WriteLine($"// bzImage {_bzImage.Length} bytes (protected mode {_bzImage.Length - _pmOffset}), vmlinux {_vmlinux.Length} bytes ({_segments.Sum(s => (long)s.Length)} in PT_LOAD)");
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    /// <summary>Baseline: copy the bzImage's protected-mode bytes to 1 MiB.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("bzImage")]
    public void BzImageRawCopy() => _memory.Write(0x10_0000, _bzImage.AsSpan(_pmOffset));

    /// <summary>Parse, validate and load the bzImage.</summary>
    [Benchmark, BenchmarkCategory("bzImage")]
    public ulong BzImageLoad() => BzImageKernel.Load(_memory, _bzImage).KernelEnd;

    /// <summary>Baseline: copy every PT_LOAD's file bytes to its physical address.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("vmlinux")]
    public void VmlinuxRawCopy()
    {
        foreach (var (offset, length, address) in _segments)
            _memory.Write(address, _vmlinux.AsSpan(offset, length));
    }

    /// <summary>Parse, validate and load the vmlinux (notes, PT_LOADs, BSS).</summary>
    [Benchmark, BenchmarkCategory("vmlinux")]
    public ulong VmlinuxLoad() => ElfKernel.Load(_memory, _vmlinux).KernelEnd;
}
