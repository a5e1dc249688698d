using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// Debian's 53 MB vmlinux into fresh guest memory, each iteration: its PT_LOAD segments mapped copy-on-write
/// from the file (<see cref="GuestMemory.Load"/>, as <c>boot</c> and <c>load</c> do) against the baseline, a
/// memcpy of the same bytes from the same mapped file to the same guest addresses. The guest has not touched a
/// mapped page yet; the third figure adds a read of one byte per 4 KiB page, what the guest pays if it touches
/// them all. Needs fixtures/kernels/amd64 (fixtures/fetch-debian-kernels.sh amd64).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 15)]
public class ZeroCopyLoadBenchmarks
{
    private MappedImageFile _file = null!;
    private (int Offset, int Length, ulong Address)[] _segments = null!;
    private GuestMemory? _memory;

    [GlobalSetup]
    public void Setup()
    {
        var path = KernelFiles.Require("fixtures/kernels/amd64/vmlinux");
        _file = MappedImageFile.Open(path, new FileInfo(path).Length);
        _segments = ElfKernel.Parse(_file.GetSpan()).ProgramHeaders
            .Where(p => p.Type == ElfProgramHeader.TypeLoad && p.FileSize > 0)
            .Select(p => ((int)p.Offset, (int)p.FileSize, p.PhysicalAddress)).ToArray();
        Console.WriteLine($"// vmlinux {_file.GetSpan().Length} bytes, {_segments.Sum(s => (long)s.Length)} in {_segments.Length} PT_LOADs");
    }

    [IterationSetup]
    public void FreshGuest() => _memory = GuestMemory.Flat(256UL << 20);

    [IterationCleanup]
    public void DropGuest() => _memory!.Dispose();

    [GlobalCleanup]
    public void Cleanup() => ((IDisposable)_file).Dispose();

    /// <summary>Baseline: memcpy every PT_LOAD's bytes from the mapped file to its physical address.</summary>
    [Benchmark(Baseline = true)]
    public void Memcpy()
    {
        foreach (var (offset, length, address) in _segments)
            _memory!.Write(address, _file.GetSpan().Slice(offset, length));
    }

    /// <summary>Map the page-aligned part of every PT_LOAD copy-on-write, copy the rest.</summary>
    [Benchmark]
    public ulong MapCopyOnWrite()
    {
        ulong mapped = 0;
        foreach (var (offset, length, address) in _segments)
            mapped += _memory!.Load(address, _file.Memory.Slice(offset, length));
        return mapped;
    }

    /// <summary>Map as above, then read one byte of every page, as a guest touching all of its image would.</summary>
    [Benchmark]
    public int MapThenTouchEveryPage()
    {
        var sum = 0;
        foreach (var (offset, length, address) in _segments)
        {
            _memory!.Load(address, _file.Memory.Slice(offset, length));
            for (var at = 0; at < length; at += 4096)
                sum += _memory.ReadU8(address + (ulong)at);
        }
        return sum;
    }
}
