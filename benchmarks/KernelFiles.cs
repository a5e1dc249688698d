namespace LoaderHarness.Benchmarks;

/// <summary>Finds files fetched into fixtures/ (fixtures/fetch-debian-kernels.sh) from BenchmarkDotNet's generated working folder.</summary>
internal static class KernelFiles
{
    /// <summary>The path of <paramref name="relative"/> under the repository root, or null when absent.</summary>
    public static string? Find(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>Like <see cref="Find"/> but says what to run when the file is missing.</summary>
    public static string Require(string relative) => Find(relative)
        ?? throw new InvalidOperationException($"{relative} not found: run fixtures/fetch-debian-kernels.sh (amd64 or arm64) first");
}
