using LoaderHarness.Fixtures.Stubs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Stubs;

/// <summary>The committed fixture kernels are exactly what the generator writes (regenerate with `dotnet run --project fixtures/generator`).</summary>
[TestFixture]
public sealed class GeneratedFixturesTests
{
    private static readonly string Folder = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated");

    [Test]
    public void Committed_files_are_the_generators_output_byte_for_byte()
    {
        var generated = FixtureKernels.All();
        Directory.GetFiles(Folder).Select(Path.GetFileName).Order().ShouldBe(generated.Select(g => g.Name).Order());
        foreach (var (name, image) in generated)
            File.ReadAllBytes(Path.Combine(Folder, name)).SequenceEqual(image).ShouldBeTrue($"fixtures/generated/{name} is stale: regenerate it");
    }

    [Test]
    public void Generation_is_deterministic() =>
        FixtureKernels.All().Select(f => f.Image).ShouldBe(FixtureKernels.All().Select(f => f.Image));
}
