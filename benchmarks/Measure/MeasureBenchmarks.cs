using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using LoaderHarness.Loader.Measure;

namespace LoaderHarness.Benchmarks.Measure;

/// <summary>
/// <c>measure</c>'s work on Debian's bzImage, our initramfs and a command line against SHA-256 of the same bytes
/// computed directly (what <c>sha256sum</c> of each would do, in process), baseline in the same run: the cost of
/// QEMU's split, the checks and the table over the hashing itself. Needs fixtures/kernels/amd64.
/// </summary>
[MemoryDiagnoser]
public class MeasureBenchmarks
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";
    private byte[] _bzImage = null!, _initramfs = null!, _cmdline = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bzImage = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/amd64/vmlinuz"));
        _initramfs = File.ReadAllBytes(KernelFiles.Require("fixtures/generated/initramfs/initramfs-x86_64.cpio"));
        _cmdline = Encoding.ASCII.GetBytes(Cmdline + "\0");
    }

    /// <summary>Baseline: SHA-256 of the kernel file, the initrd and the command line with its NUL.</summary>
    [Benchmark(Baseline = true)]
    public byte Sha256Directly() =>
        (byte)(SHA256.HashData(_bzImage)[0] ^ SHA256.HashData(_initramfs)[0] ^ SHA256.HashData(_cmdline)[0]);

    /// <summary>The measure verb's work: QEMU's setup/kernel split, the three digests and the padded table.</summary>
    [Benchmark]
    public byte Measure() => KernelMeasurement.Measure(_bzImage, _initramfs, Cmdline).Table[^9];
}
