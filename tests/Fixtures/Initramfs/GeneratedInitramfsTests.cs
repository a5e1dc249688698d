using System.Text;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Initramfs;

/// <summary>
/// The committed fixture initramfs images are exactly what the generator writes (regenerate with
/// `dotnet run --project fixtures/generator`); the arm64 one needs GNU as, so under CI=true a missing assembler fails.
/// </summary>
[TestFixture]
public sealed class GeneratedInitramfsTests
{
    private static readonly string Folder = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder);

    [Test]
    public void Committed_x86_64_image_is_the_generators_output_byte_for_byte() =>
        File.ReadAllBytes(Path.Combine(Folder, FixtureInitramfs.X86_64)).SequenceEqual(FixtureInitramfs.BuildX86_64())
            .ShouldBeTrue($"fixtures/generated/initramfs/{FixtureInitramfs.X86_64} is stale: regenerate it");

    [Test]
    public void Committed_arm64_image_is_the_generators_output_byte_for_byte()
    {
        Prerequisite.RequireTool(GnuAarch64Assembler.AssemblerTool, GnuAarch64Assembler.AptPackage);
        Prerequisite.RequireTool(GnuAarch64Assembler.ObjcopyTool, GnuAarch64Assembler.AptPackage);
        File.ReadAllBytes(Path.Combine(Folder, FixtureInitramfs.Arm64)).SequenceEqual(FixtureInitramfs.BuildArm64())
            .ShouldBeTrue($"fixtures/generated/initramfs/{FixtureInitramfs.Arm64} is stale: regenerate it");
    }

    [Test]
    public void Folder_holds_exactly_the_two_images() =>
        Directory.GetFiles(Folder).Select(Path.GetFileName).Order().ShouldBe([FixtureInitramfs.Arm64, FixtureInitramfs.X86_64]);

    [Test]
    public void Generation_is_deterministic() => FixtureInitramfs.BuildX86_64().ShouldBe(FixtureInitramfs.BuildX86_64());

    [TestCase(FixtureInitramfs.X86_64)]
    [TestCase(FixtureInitramfs.Arm64)]
    public void Image_holds_dev_console_proc_and_init_in_creation_order(string name)
    {
        var text = Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(Folder, name)));
        var names = new List<string>();
        for (var offset = 0; offset + NewcArchiveWriter.HeaderSize <= text.Length && text.AsSpan(offset).StartsWith(NewcArchiveWriter.Magic);)
        {
            var nameSize = Convert.ToInt32(text.Substring(offset + 94, 8), 16);
            var fileSize = Convert.ToInt32(text.Substring(offset + 54, 8), 16);
            names.Add(text.Substring(offset + NewcArchiveWriter.HeaderSize, nameSize - 1));
            offset = (offset + NewcArchiveWriter.HeaderSize + nameSize + 3) & ~3;
            offset = (offset + fileSize + 3) & ~3;
        }
        names.ShouldBe(["dev", "dev/console", "proc", "init", NewcArchiveWriter.TrailerName]);
        (text.Length % NewcArchiveWriter.BlockSize).ShouldBe(0);
    }
}
