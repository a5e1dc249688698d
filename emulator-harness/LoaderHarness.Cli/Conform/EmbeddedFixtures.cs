namespace LoaderHarness.Cli.Conform;

/// <summary>The fixture kernels compiled into the CLI (fixtures/generated/), by file name.</summary>
internal static class EmbeddedFixtures
{
    private const string Prefix = "fixtures/";

    /// <summary>Every embedded fixture, sorted by name.</summary>
    public static IReadOnlyList<(string Name, byte[] Image)> All()
    {
        var assembly = typeof(EmbeddedFixtures).Assembly;
        var list = new List<(string, byte[])>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            list.Add((resource[Prefix.Length..], copy.ToArray()));
        }
        return list;
    }
}
