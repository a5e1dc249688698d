using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Zboot;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Zboot;

/// <summary>
/// EFI zboot images (Linux drivers/firmware/efi/libstub/zboot-header.S, Makefile.zboot) built by tests/Support's
/// ZbootBuilder around linux-loader's small arm64 and riscv64 test Images: header fields, both codecs, and every
/// malformed header refused with its code.
/// </summary>
[TestFixture]
public sealed class ZbootImageTests
{
    private static readonly byte[] Arm64 = PeerImages.Read("test_arm64_image.bin");

    [TestCase("gzip")]
    [TestCase("zstd22")]
    public void Decompresses_to_the_padded_Image(string compression)
    {
        var zboot = ZbootBuilder.Build(Arm64, compression);

        ImageDetector.Detect(zboot).ShouldBe(ImageFormat.Zboot);
        ImageDetector.DetectInner(zboot).ShouldBe(ImageFormat.Arm64Image);
        var (header, image) = ZbootImage.Inflate(zboot);
        header.CompressionType.ShouldBe(compression);
        header.Machine.ShouldBe(ZbootHeader.MachineArm64);
        header.LinuxPeMagic.ShouldBe(0x818223CDu);
        header.SizeTrailerLength.ShouldBe(compression == "gzip" ? 0 : 4);
        image.ShouldBe(ZbootBuilder.Pad(Arm64));
    }

    [Test]
    public void KernelImage_unwraps_it_to_the_Image()
    {
        var kernel = KernelImage.Parse(ZbootBuilder.Build(Arm64, "gzip"));
        kernel.FileFormat.ShouldBe(ImageFormat.Zboot);
        kernel.Format.ShouldBe(ImageFormat.Arm64Image);
        kernel.Zboot!.Value.CompressionType.ShouldBe("gzip");
        kernel.Image!.Header.ShouldBe(KernelImage.Parse(Arm64).Image!.Header);
        kernel.Entries.ShouldBe(KernelImage.Parse(Arm64).Entries);
    }

    [Test]
    public void A_riscv64_zboot_carries_a_riscv64_Image()
    {
        var riscv = PeerImages.Read("test_riscv64_image.bin");
        var kernel = KernelImage.Parse(ZbootBuilder.Build(riscv, "zstd22", PeWriter.MachineRiscv64));
        kernel.Format.ShouldBe(ImageFormat.Riscv64Image);
    }

    [Test]
    public void A_uki_may_carry_a_zboot_image()
    {
        var kernel = KernelImage.Parse(UkiBuilder.Build(ZbootBuilder.Build(Arm64, "gzip"), cmdline: "console=ttyAMA0", machine: PeWriter.MachineArm64));
        kernel.FileFormat.ShouldBe(ImageFormat.Uki);
        kernel.Format.ShouldBe(ImageFormat.Arm64Image);
        kernel.Zboot.ShouldNotBeNull();
        kernel.Bytes.ToArray().ShouldBe(ZbootBuilder.Pad(Arm64));
    }

    [Test]
    public void An_unsupported_compression_type_is_UnsupportedZbootCompression()
    {
        var zboot = ZbootBuilder.Build(Arm64, "gzip");
        "lzo\0\0"u8.CopyTo(zboot.AsSpan(0x18));
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(zboot)).Code.ShouldBe(LoaderError.UnsupportedZbootCompression);
    }

    [Test]
    public void A_payload_that_contradicts_its_compression_type_is_UnsupportedZbootCompression()
    {
        var zboot = ZbootBuilder.Build(Arm64, "zstd22");
        "gzip\0\0\0"u8.CopyTo(zboot.AsSpan(0x18));
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(zboot)).Code.ShouldBe(LoaderError.UnsupportedZbootCompression);
    }

    [TestCase(0x08, 0x7FFF_FFF0u, TestName = "A_payload_offset_past_the_file_is_InvalidZbootHeader")]
    [TestCase(0x0C, 0x7FFF_FFF0u, TestName = "A_payload_size_past_the_file_is_InvalidZbootHeader")]
    [TestCase(0x0C, 0u, TestName = "An_empty_payload_is_InvalidZbootHeader")]
    [TestCase(0x3C, 0xFFFF_FFFFu, TestName = "A_PE_offset_past_the_file_is_InvalidZbootHeader")]
    public void Header_fields_out_of_range_are_InvalidZbootHeader(int field, uint value)
    {
        var zboot = ZbootBuilder.Build(Arm64, "gzip");
        BinaryPrimitives.WriteUInt32LittleEndian(zboot.AsSpan(field), value);
        Should.Throw<LoaderException>(() => KernelImage.Parse(zboot)).Code.ShouldBe(LoaderError.InvalidZbootHeader);
    }

    [Test]
    public void An_x86_machine_is_InvalidZbootHeader() =>
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(ZbootBuilder.Build(Arm64, "gzip", PeWriter.MachineX64))).Code.ShouldBe(LoaderError.InvalidZbootHeader);

    [Test]
    public void A_compression_type_without_its_NUL_is_InvalidZbootHeader()
    {
        var zboot = ZbootBuilder.Build(Arm64, "gzip");
        zboot.AsSpan(0x18, 0x38 - 0x18).Fill((byte)'g');
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(zboot)).Code.ShouldBe(LoaderError.InvalidZbootHeader);
    }

    [Test]
    public void A_payload_that_is_not_an_Image_of_the_PE_machine_is_InvalidZbootHeader()
    {
        // An arm64 Image in a riscv64 PE.
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(ZbootBuilder.Build(Arm64, "gzip", PeWriter.MachineRiscv64))).Code.ShouldBe(LoaderError.InvalidZbootHeader);
    }

    [Test]
    public void A_size_trailer_claiming_a_bomb_is_refused_before_allocating()
    {
        var zboot = ZbootBuilder.Build(Arm64, "zstd22");
        var header = ZbootHeader.Parse(zboot);
        // The size_append trailer after the zstd stream says 1.5 GiB.
        BinaryPrimitives.WriteUInt32LittleEndian(zboot.AsSpan((int)(header.PayloadOffset + header.PayloadSize)), 0x6000_0000);
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(zboot)).Code.ShouldBe(LoaderError.PayloadDecompression);
    }

    [Test]
    public void A_corrupt_payload_is_PayloadDecompression()
    {
        var zboot = ZbootBuilder.Build(Arm64, "gzip");
        var header = ZbootHeader.Parse(zboot);
        zboot.AsSpan((int)header.PayloadOffset + 12, 64).Fill(0xFF);
        Should.Throw<LoaderException>(() => ZbootImage.Inflate(zboot)).Code.ShouldBe(LoaderError.PayloadDecompression);
    }
}
