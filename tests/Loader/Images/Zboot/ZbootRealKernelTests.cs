using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Zboot;

/// <summary>
/// EFI zboot images built here from Debian's arm64 Image, gzip and zstd as Makefile.zboot makes them, load
/// byte-identically to the plain Image: same entry, DTB and every byte of guest RAM.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public sealed class ZbootRealKernelTests
{
    [TestCase("gzip")]
    [TestCase("zstd22")]
    public void Loads_byte_identically_to_the_plain_Image(string compression)
    {
        var image = DebianArm64Kernel.Image();
        var zboot = KernelImage.Parse(ZbootBuilder.Build(image, compression));
        zboot.FileFormat.ShouldBe(ImageFormat.Zboot);
        zboot.Format.ShouldBe(ImageFormat.Arm64Image);
        // What the EFI decompressor leaves: the Image, then zeros to image_size (Makefile.zboot copy_and_pad).
        zboot.Bytes.Span[..image.Length].SequenceEqual(image).ShouldBeTrue();
        zboot.Bytes.Span[image.Length..].ContainsAnyExcept((byte)0).ShouldBeFalse();
        ((ulong)zboot.Bytes.Length).ShouldBe(zboot.Image!.Header.ImageSize);

        using var zbootMemory = new GuestMemory([new GuestRegion(0x8000_0000, 256 << 20)]);
        using var plainMemory = new GuestMemory([new GuestRegion(0x8000_0000, 256 << 20)]);
        var request = new GuestSetupRequest { Kernel = zboot, CommandLine = "console=ttyAMA0" };
        var fromZboot = GuestSetup.Run(zbootMemory, request);
        var fromPlain = GuestSetup.Run(plainMemory, request with { Kernel = KernelImage.Parse(image) });

        fromZboot.Protocol.ShouldBe(BootProtocol.Arm64);
        fromZboot.Entry.ShouldBe(fromPlain.Entry);
        fromZboot.Kernel.KernelLoad.ShouldBe(fromPlain.Kernel.KernelLoad);
        fromZboot.BootStructureAddress.ShouldBe(fromPlain.BootStructureAddress);
        fromZboot.BootStructure.ShouldBe(fromPlain.BootStructure);
        // The padding writes zeros over zeros: guest RAM is the same, byte for byte.
        GuestMemoryComparison.FirstDifference(zbootMemory, plainMemory).ShouldBeNull();
    }
}
