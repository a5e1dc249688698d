using System.Diagnostics;
using Shouldly;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Debian's cloud arm64 kernel as fixtures/fetch-debian-kernels.sh leaves it in fixtures/kernels/arm64
/// (gitignored): the raw Image, config, VERSION. Fetched on demand under CI=true; a skip with the command otherwise.
/// </summary>
internal static class DebianArm64Kernel
{
    public const string FetchCommand = "fixtures/fetch-debian-kernels.sh arm64";

    private static byte[]? _image;

    /// <summary>The folder holding the kernel, fetching it first under CI=true.</summary>
    public static string Directory()
    {
        var root = DebianKernel.RepositoryRoot();
        var directory = Path.Combine(root, "fixtures", "kernels", "arm64");
        if (!File.Exists(Path.Combine(directory, "Image")) && Prerequisite.IsCi)
        {
            using var fetch = Process.Start(new ProcessStartInfo("bash", FetchCommand) { WorkingDirectory = root })
                ?? throw new InvalidOperationException($"could not start {FetchCommand}");
            fetch.WaitForExit();
            fetch.ExitCode.ShouldBe(0, $"{FetchCommand} failed");
        }
        if (!File.Exists(Path.Combine(directory, "Image")))
            Prerequisite.Missing($"no Debian arm64 kernel in {directory}: run {FetchCommand}");
        return directory;
    }

    /// <summary>The raw Image's bytes (read once per test run).</summary>
    public static byte[] Image() => _image ??= File.ReadAllBytes(Path.Combine(Directory(), "Image"));
}
