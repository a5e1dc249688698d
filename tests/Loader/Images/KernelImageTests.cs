using System.IO.Compression;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images;

/// <summary>A kernel file detected and parsed once into the typed image every setup takes.</summary>
[TestFixture]
public sealed class KernelImageTests
{
    internal static byte[] Gzip(byte[] bytes)
    {
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(bytes);
        return gz.ToArray();
    }

    [Test]
    public void Vmlinux_is_parsed_as_elf()
    {
        var file = ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0100 });
        var kernel = KernelImage.Parse(file);
        kernel.Format.ShouldBe(ImageFormat.Elf);
        kernel.IsX86.ShouldBeTrue();
        kernel.Elf.ShouldNotBeNull().PvhEntry.ShouldBe(0x100_0100u);
        kernel.BzImage.ShouldBeNull();
        kernel.Image.ShouldBeNull();
        kernel.Bytes.ToArray().ShouldBe(file);
    }

    [Test]
    public void Bzimage_is_parsed_with_its_setup_header()
    {
        var kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { Version = 0x020A }));
        kernel.Format.ShouldBe(ImageFormat.BzImage);
        kernel.IsX86.ShouldBeTrue();
        kernel.BzImage.ShouldNotBeNull().Header.Version.ShouldBe((ushort)0x020A);
        kernel.Elf.ShouldBeNull();
        kernel.Image.ShouldBeNull();
    }

    [TestCase("test_arm64_image.bin", ImageFormat.Arm64Image, ImageArchitecture.Arm64)]
    [TestCase("test_riscv64_image.bin", ImageFormat.Riscv64Image, ImageArchitecture.Riscv64)]
    public void Images_are_parsed_with_their_header(string peer, ImageFormat format, ImageArchitecture architecture)
    {
        var file = PeerImages.Read(peer);
        var kernel = KernelImage.Parse(file);
        kernel.Format.ShouldBe(format);
        kernel.IsX86.ShouldBeFalse();
        kernel.Image.ShouldNotBeNull().Header.Architecture.ShouldBe(architecture);
        kernel.Elf.ShouldBeNull();
        kernel.BzImage.ShouldBeNull();
        kernel.Bytes.ToArray().ShouldBe(file);
    }

    [Test]
    public void Image_gz_is_inflated_once_at_parse()
    {
        var raw = PeerImages.Read("test_arm64_image.bin");
        var file = Gzip(raw);
        var kernel = KernelImage.Parse(file);
        kernel.Format.ShouldBe(ImageFormat.Arm64ImageGzip);
        kernel.File.ToArray().ShouldBe(file);
        kernel.Bytes.ToArray().ShouldBe(raw);
        kernel.Image.ShouldNotBeNull().WasCompressed.ShouldBeTrue();
    }

    [Test]
    public void Not_a_kernel_is_unknown_image_format() =>
        // Before parsing moved out of GuestSetup this was one of its rejections (memory untouched): now nothing
        // reaches guest memory because there is no KernelImage to set up.
        Should.Throw<LoaderException>(() => KernelImage.Parse(new byte[4096])).Code.ShouldBe(LoaderError.UnknownImageFormat);

    [Test]
    public void A_malformed_image_is_rejected_by_its_formats_rules()
    {
        var image = BzImageWriter.Write(new BzImageSpec());
        image[0x1FE] = 0; // boot_flag no longer 0xAA55 (boot.rst)
        Should.Throw<LoaderException>(() => KernelImage.Parse(image)).Code.ShouldBe(LoaderError.InvalidBootFlag);
    }

    [Test]
    public void Setup_uses_the_parsed_kernel_and_does_not_parse_the_file_again()
    {
        // Parse, then break the magic numbers in the very bytes the KernelImage holds: a setup that detected
        // or parsed the file again would now fail with UnknownImageFormat / InvalidBzImage.
        var file = BzImageWriter.Write(new BzImageSpec());
        var kernel = KernelImage.Parse(file);
        file[0x202] = 0; // "HdrS"
        using var memory = GuestMemory.Flat(512UL << 20);
        var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = kernel, Protocol = BootProtocol.Linux64 });
        result.Protocol.ShouldBe(BootProtocol.Linux64);
        result.Kernel.SetupHeader.ShouldNotBeNull().HasHeaderMagic.ShouldBeTrue();

        var elfFile = ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0100 });
        var elf = KernelImage.Parse(elfFile);
        elfFile[0] = 0; // \x7fELF
        using var memory2 = GuestMemory.Flat(512UL << 20);
        GuestSetup.Run(memory2, new GuestSetupRequest { Kernel = elf }).Protocol.ShouldBe(BootProtocol.Pvh);
    }
}
