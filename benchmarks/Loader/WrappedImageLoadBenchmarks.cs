using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// Guest setup from a wrapped kernel against the same setup from the plain kernel, each with its baseline in the
/// same run: a unified kernel image of Debian's bzImage, our initramfs and a command line against the three parts;
/// EFI zboot images of Debian's arm64 Image (gzip, zstd) against the Image. Parsing is inside the measured call,
/// since unwrapping is what is measured. Needs fixtures/kernels/amd64 and arm64.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WrappedImageLoadBenchmarks
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";
    private GuestMemory _x86 = null!, _arm64 = null!;
    private byte[] _bzImage = null!, _initramfs = null!, _uki = null!, _image = null!, _zbootGzip = null!, _zbootZstd = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x86 = GuestMemory.WithMmioGap(256UL << 20);
        _arm64 = new GuestMemory([new GuestRegion(0x8000_0000, 256UL << 20)]);
        _bzImage = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/amd64/vmlinuz"));
        _initramfs = File.ReadAllBytes(KernelFiles.Require("fixtures/generated/initramfs/initramfs-x86_64.cpio"));
        _uki = UkiBuilder.Build(_bzImage, _initramfs, Cmdline);
        _image = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/arm64/Image"));
        _zbootGzip = ZbootBuilder.Build(_image, "gzip");
        _zbootZstd = ZbootBuilder.Build(_image, "zstd22");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x86.Dispose();
        _arm64.Dispose();
    }

    /// <summary>Baseline: set up the bzImage, initramfs and command line given separately.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("UKI")]
    public ulong Parts() => GuestSetup.Run(_x86, new GuestSetupRequest { Kernel = KernelImage.Parse(_bzImage), Initrd = _initramfs, CommandLine = Cmdline }).Entry;

    /// <summary>Unwrap the UKI and set up what it carries.</summary>
    [Benchmark, BenchmarkCategory("UKI")]
    public ulong Uki()
    {
        var kernel = KernelImage.Parse(_uki);
        return GuestSetup.Run(_x86, new GuestSetupRequest { Kernel = kernel, Initrd = kernel.EmbeddedInitrd, CommandLine = kernel.EmbeddedCommandLine! }).Entry;
    }

    /// <summary>Baseline: set up the plain arm64 Image.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("zboot")]
    public ulong PlainImage() => Arm64(_image);

    /// <summary>Decompress the gzip zboot image and set up the Image it carries.</summary>
    [Benchmark, BenchmarkCategory("zboot")]
    public ulong ZbootGzip() => Arm64(_zbootGzip);

    /// <summary>Decompress the zstd zboot image and set up the Image it carries.</summary>
    [Benchmark, BenchmarkCategory("zboot")]
    public ulong ZbootZstd() => Arm64(_zbootZstd);

    private ulong Arm64(byte[] file) => GuestSetup.Run(_arm64, new GuestSetupRequest { Kernel = KernelImage.Parse(file), CommandLine = "console=ttyAMA0" }).Entry;
}
