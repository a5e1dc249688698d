using System.IO.Compression;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Image;

/// <summary>rust-vmm linux-loader v0.14.0 src/loader/pe/mod.rs unit tests on its arm64 and riscv64 images.</summary>
[TestFixture]
public sealed class ImageKernelPeerTests
{
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(0x1000_0000);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    // linux-loader test_load_image (aarch64): offset 0x200000 → kernel_load 0x280000, kernel_end 0x281000;
    // riscv64: offset 0x400000 → kernel_load 0x600000, kernel_end 0x601000.
    [TestCase("test_arm64_image.bin", 0x20_0000UL, 0x28_0000UL, 0x28_1000UL, ImageFormat.Arm64Image)]
    [TestCase("test_riscv64_image.bin", 0x40_0000UL, 0x60_0000UL, 0x60_1000UL, ImageFormat.Riscv64Image)]
    public void Loads_at_base_plus_text_offset(string file, ulong baseAddress, ulong load, ulong end, ImageFormat format)
    {
        var image = PeerImages.Read(file);
        var result = ImageKernel.Load(_memory, image, baseAddress);
        result.KernelLoad.ShouldBe(load);
        result.KernelEnd.ShouldBe(end);
        result.Format.ShouldBe(format);
        _memory.Snapshot(load, image.Length).ShouldBe(image);
    }

    // linux-loader test_load_image: offset 0x300000 → InvalidBaseAddrAlignment (both architectures).
    [TestCase("test_arm64_image.bin")]
    [TestCase("test_riscv64_image.bin")]
    public void Unaligned_base_is_rejected(string file) =>
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, PeerImages.Read(file), 0x30_0000))
            .Code.ShouldBe(LoaderError.InvalidBaseAddrAlignment);

    // linux-loader test_load_image: a patched magic → InvalidImageMagicNumber.
    [TestCase("test_arm64_image.bin")]
    [TestCase("test_riscv64_image.bin")]
    public void Bad_magic_is_rejected(string file)
    {
        var image = PeerImages.Read(file);
        image[0x38] = 0x33;
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, image, 0x20_0000)).Code.ShouldBe(LoaderError.InvalidImageMagicNumber);
        _memory.Snapshot(0x20_0000, 0x20_0000).ShouldAllBe(b => b == 0);
    }

    // linux-loader pe::load_arm64_image and pe::load_riscv64_image, each on its own image: the load at base +
    // text_offset, the refused unaligned base and the refused patched magic.
    [Test]
    public void Load_arm64_image_at_base_plus_text_offset_refusing_a_bad_base_or_magic()
    {
        Loads_at_base_plus_text_offset("test_arm64_image.bin", 0x20_0000, 0x28_0000, 0x28_1000, ImageFormat.Arm64Image);
        Unaligned_base_is_rejected("test_arm64_image.bin");
        _memory.Fill(0x20_0000, 0x20_0000, 0);
        Bad_magic_is_rejected("test_arm64_image.bin");
    }

    [Test]
    public void Load_riscv64_image_at_base_plus_text_offset_refusing_a_bad_base_or_magic()
    {
        Loads_at_base_plus_text_offset("test_riscv64_image.bin", 0x40_0000, 0x60_0000, 0x60_1000, ImageFormat.Riscv64Image);
        Unaligned_base_is_rejected("test_riscv64_image.bin");
        Bad_magic_is_rejected("test_riscv64_image.bin");
    }

    [Test]
    public void Image_size_zero_means_text_offset_0x80000()
    {
        // booting.rst: "if image_size is zero, text_offset can be assumed to be 0x80000"; linux-loader pe::load.
        var image = PeerImages.Read("test_arm64_image.bin");
        image.AsSpan(0x08, 16).Clear();
        ImageKernel.Load(_memory, image, 0x20_0000).KernelLoad.ShouldBe(0x28_0000UL);
        image[0x08] = 0x10; // text_offset 0x10 with image_size 0: still 0x80000
        ImageKernel.Load(_memory, image, 0x40_0000).KernelLoad.ShouldBe(0x48_0000UL);
    }

    [Test]
    public void Gzip_image_is_inflated_then_loaded()
    {
        var image = PeerImages.Read("test_arm64_image.bin");
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(image);
        var result = ImageKernel.Load(_memory, gz.ToArray(), 0x20_0000);
        result.Format.ShouldBe(ImageFormat.Arm64ImageGzip);
        result.KernelLoad.ShouldBe(0x28_0000UL);
        _memory.Snapshot(0x28_0000, image.Length).ShouldBe(image);
        ImageDetector.Detect(gz.ToArray()).ShouldBe(ImageFormat.Arm64ImageGzip);
    }

    [Test]
    public void Corrupt_gzip_is_a_typed_error()
    {
        byte[] garbage = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0x12];
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, garbage, 0x20_0000)).Code.ShouldBe(LoaderError.PayloadDecompression);
    }

    [Test]
    public void Truncated_header_is_a_typed_error() =>
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, new byte[40], 0x20_0000)).Code.ShouldBe(LoaderError.TruncatedImage);

    [Test]
    public void Image_size_beyond_ram_is_rejected_before_writing()
    {
        // image_size claims BSS past the end of RAM: the kernel would overwrite what is not there.
        var image = PeerImages.Read("test_arm64_image.bin");
        BitConverter.GetBytes(0x2000_0000UL).CopyTo(image, 0x10);
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, image, 0x20_0000)).Code.ShouldBe(LoaderError.GuestAddressOutOfRange);
        _memory.Snapshot(0x28_0000, 0x1000).ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Stream_load_matches_span_load()
    {
        var image = PeerImages.Read("test_riscv64_image.bin");
        var result = ImageKernel.Load(_memory, new MemoryStream(image), 0x40_0000);
        result.KernelLoad.ShouldBe(0x60_0000UL);
        _memory.Snapshot(0x60_0000, image.Length).ShouldBe(image);
    }

    [Test]
    public void Header_fields_are_parsed()
    {
        var arm = ImageHeader.Parse(PeerImages.Read("test_arm64_image.bin"));
        arm.Architecture.ShouldBe(ImageArchitecture.Arm64);
        arm.TextOffset.ShouldBe(0x80000UL); // README: arm64 test image text_offset 0x80000
        var rv = ImageHeader.Parse(PeerImages.Read("test_riscv64_image.bin"));
        rv.Architecture.ShouldBe(ImageArchitecture.Riscv64);
        rv.TextOffset.ShouldBe(0x20_0000UL); // riscv boot-image-header.rst: 0x200000 for RV64
    }
}
