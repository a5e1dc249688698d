using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Arm64;

/// <summary>
/// The committed arm64 fixture kernels are what the generator writes with GNU as (regenerate with
/// `dotnet run --project fixtures/generator`); under CI=true a missing assembler fails these tests.
/// </summary>
[TestFixture]
public sealed class Arm64FixturesTests
{
    private static readonly string Folder = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder);

    private static void RequireAssembler()
    {
        Prerequisite.RequireTool(GnuAarch64Assembler.AssemblerTool, GnuAarch64Assembler.AptPackage);
        Prerequisite.RequireTool(GnuAarch64Assembler.ObjcopyTool, GnuAarch64Assembler.AptPackage);
    }

    [Test]
    public void Committed_files_are_the_generators_output_byte_for_byte()
    {
        RequireAssembler();
        var generated = Arm64FixtureKernels.All();
        Directory.GetFiles(Folder).Select(Path.GetFileName).Order().ShouldBe(generated.Select(g => g.Name).Order());
        foreach (var (name, image) in generated)
            File.ReadAllBytes(Path.Combine(Folder, name)).SequenceEqual(image).ShouldBeTrue($"fixtures/generated/arm64/{name} is stale: regenerate it");
    }

    [Test]
    public void Stub_has_a_valid_arm64_image_header()
    {
        // booting.rst §3: text_offset 0, image_size covering the file, flags 0xA, magic "ARM\x64"; code1 branches to 0x40.
        var header = ImageHeader.Parse(File.ReadAllBytes(Path.Combine(Folder, Arm64FixtureKernels.EntryStub)));
        header.Architecture.ShouldBe(ImageArchitecture.Arm64);
        header.TextOffset.ShouldBe(0UL);
        header.ImageSize.ShouldBe(Arm64EntryStub.ImageSize);
        header.Flags.ShouldBe(0xAUL);
        header.PageSize.ShouldBe(4096UL);
        header.Code1.ShouldBe(0x1400_000Fu);
    }

    [Test]
    public void Image_writer_pins_every_header_field()
    {
        var image = Arm64ImageWriter.Write([0xAA, 0xBB, 0xCC, 0xDD], 0x2000);
        image.Length.ShouldBe(Arm64ImageWriter.HeaderSize + 4);
        BitConverter.ToUInt32(image, 0x00).ShouldBe(0xD503_201Fu);
        BitConverter.ToUInt32(image, 0x04).ShouldBe(0x1400_000Fu);
        BitConverter.ToUInt64(image, 0x08).ShouldBe(0UL);
        BitConverter.ToUInt64(image, 0x10).ShouldBe(0x2000UL);
        BitConverter.ToUInt64(image, 0x18).ShouldBe(0xAUL);
        image.AsSpan(0x20, 0x18).ToArray().ShouldAllBe(b => b == 0);
        BitConverter.ToUInt32(image, 0x38).ShouldBe(0x644D_5241u);
        BitConverter.ToUInt32(image, 0x3C).ShouldBe(0u);
        image[0x40].ShouldBe((byte)0xAA);
    }
}
