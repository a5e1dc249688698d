using System.Diagnostics;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Debian's cloud amd64 kernel as fixtures/fetch-debian-kernels.sh leaves it in fixtures/kernels/amd64
/// (gitignored): vmlinuz, config, VERSION. Fetched on demand under CI=true; a skip with the command otherwise.
/// </summary>
internal static class DebianKernel
{
    public const string FetchCommand = "fixtures/fetch-debian-kernels.sh amd64";

    /// <summary>The folder holding the kernel, fetching it first under CI=true.</summary>
    public static string Directory()
    {
        var root = RepositoryRoot();
        var directory = Path.Combine(root, "fixtures", "kernels", "amd64");
        if (File.Exists(Path.Combine(directory, "vmlinuz")))
            return directory;
        if (Prerequisite.IsCi)
            Fetch(root);
        if (!File.Exists(Path.Combine(directory, "vmlinuz")))
            Prerequisite.Missing($"no Debian kernel in {directory}: run {FetchCommand}");
        return directory;
    }

    /// <summary>The bzImage's bytes.</summary>
    public static byte[] BzImage() => File.ReadAllBytes(Path.Combine(Directory(), "vmlinuz"));

    /// <summary>The repository root (the folder with LoaderHarness.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LoaderHarness.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no LoaderHarness.sln above {TestContext.CurrentContext.TestDirectory}");
    }

    private static void Fetch(string root)
    {
        using var fetch = Process.Start(new ProcessStartInfo("bash", FetchCommand) { WorkingDirectory = root })
            ?? throw new InvalidOperationException($"could not start {FetchCommand}");
        fetch.WaitForExit();
        fetch.ExitCode.ShouldBe(0, $"{FetchCommand} failed");
    }
}
