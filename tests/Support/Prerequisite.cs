namespace LoaderHarness.Tests.Support;

/// <summary>
/// What a test does when something outside the repository is missing (a tool, a fetched kernel): fail under
/// CI=true, where the environment must provide it, and skip with a hint on a developer machine.
/// </summary>
internal static class Prerequisite
{
    internal static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    internal static void Missing(string what)
    {
        if (IsCi)
            Assert.Fail($"{what} (CI=true: the CI image must provide it)");
        Assert.Ignore(what);
    }

    /// <summary>The path of <paramref name="tool"/> on PATH; fails or skips when there is none.</summary>
    internal static string RequireTool(string tool, string aptPackage)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        Missing($"'{tool}' is not on PATH: sudo apt-get install -y {aptPackage}");
        return tool;
    }
}
