using System.Diagnostics;
using LoaderHarness.Loader.Images.BzImage;
using Shouldly;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// One of the Debian 12 kernels fixtures/fetch-debian-kernels.sh leaves under fixtures/kernels/ (gitignored):
/// the 6.1 cloud kernels in <c>amd64/</c> and <c>arm64/</c>, the 6.12 ones in <c>&lt;arch&gt;-6.12-cloud/</c> and
/// <c>&lt;arch&gt;-6.12/</c>. Fetched on demand under CI=true (with the real System.map from the -dbg package);
/// a skip with the command otherwise.
/// </summary>
public sealed record DebianKernelSet(string Folder, string Architecture, string Series, string Flavour)
{
    /// <summary>Debian 12's own 6.1 cloud kernel for amd64 (fixtures/kernels/amd64).</summary>
    public static DebianKernelSet Amd64Cloud61 { get; } = new("amd64", "amd64", "6.1", "cloud");
    /// <summary>Debian 12's own 6.1 cloud kernel for arm64 (fixtures/kernels/arm64).</summary>
    public static DebianKernelSet Arm64Cloud61 { get; } = new("arm64", "arm64", "6.1", "cloud");
    /// <summary>bookworm's 6.12 cloud kernel for amd64.</summary>
    public static DebianKernelSet Amd64Cloud612 { get; } = new("amd64-6.12-cloud", "amd64", "6.12", "cloud");
    /// <summary>bookworm's 6.12 generic kernel for amd64.</summary>
    public static DebianKernelSet Amd64Generic612 { get; } = new("amd64-6.12", "amd64", "6.12", "generic");
    /// <summary>bookworm's 6.12 cloud kernel for arm64.</summary>
    public static DebianKernelSet Arm64Cloud612 { get; } = new("arm64-6.12-cloud", "arm64", "6.12", "cloud");
    /// <summary>bookworm's 6.12 generic kernel for arm64.</summary>
    public static DebianKernelSet Arm64Generic612 { get; } = new("arm64-6.12", "arm64", "6.12", "generic");

    /// <summary>
    /// Debian 12's own 6.1 generic kernel for amd64 (fixtures/kernels/amd64-6.1), the xz bzImage; not in <see cref="All"/>:
    /// only the KernelMatrix category uses it, and .ci/run fetches it (without the -dbg System.map) before running that category.
    /// </summary>
    public static DebianKernelSet Amd64Generic61 { get; } = new("amd64-6.1", "amd64", "6.1", "generic");

    /// <summary>Every kernel the script can fetch.</summary>
    public static IReadOnlyList<DebianKernelSet> All { get; } = [Amd64Cloud61, Arm64Cloud61, Amd64Cloud612, Amd64Generic612, Arm64Cloud612, Arm64Generic612];

    /// <summary>The command that fetches this kernel with its real System.map.</summary>
    public string FetchCommand => $"DEBIAN_KERNEL_SYSTEM_MAP=1 fixtures/fetch-debian-kernels.sh {Architecture} {Series} {Flavour}";

    /// <summary>The kernel file the tests read: the vmlinux ELF extracted from vmlinuz (amd64) or the raw Image (arm64).</summary>
    public string KernelFileName => Architecture == "amd64" ? "vmlinux" : "Image";

    /// <summary>The folder, fetching the kernel first under CI=true.</summary>
    public string Directory(bool systemMap = false)
    {
        var root = DebianKernel.RepositoryRoot();
        var directory = Path.Combine(root, "fixtures", "kernels", Folder);
        if (!IsPresent(directory, systemMap) && Prerequisite.IsCi)
            Fetch(root, systemMap);
        if (!IsPresent(directory, systemMap))
            Prerequisite.Missing($"no Debian {Series} {Flavour} {Architecture} kernel{(systemMap ? " with its real System.map" : "")} in {directory}: run {FetchCommand}");
        return directory;
    }

    /// <summary>The kernel's bytes (<see cref="KernelFileName"/>).</summary>
    public byte[] Kernel() => File.ReadAllBytes(Path.Combine(Directory(), KernelFileName));

    /// <summary>The real System.map's text (from the -dbg package).</summary>
    public string SystemMap() => File.ReadAllText(Path.Combine(Directory(systemMap: true), "System.map"));

    /// <summary>The vmlinux for amd64 (extracted in-process from vmlinuz if the script's copy is missing).</summary>
    public byte[] Vmlinux()
    {
        var directory = Directory();
        var vmlinux = Path.Combine(directory, "vmlinux");
        return File.Exists(vmlinux) ? File.ReadAllBytes(vmlinux) : VmlinuxExtractor.Extract(File.ReadAllBytes(Path.Combine(directory, "vmlinuz")));
    }

    /// <inheritdoc/>
    public override string ToString() => Folder;

    private bool IsPresent(string directory, bool systemMap)
    {
        var image = Path.Combine(directory, Architecture == "amd64" ? "vmlinuz" : "Image");
        if (!File.Exists(image))
            return false;
        if (!systemMap)
            return true;
        var map = Path.Combine(directory, "System.map");
        return File.Exists(map) && new FileInfo(map).Length > 1024;
    }

    private void Fetch(string root, bool systemMap)
    {
        var start = new ProcessStartInfo("bash", $"fixtures/fetch-debian-kernels.sh {Architecture} {Series} {Flavour}") { WorkingDirectory = root };
        // The -dbg package (~300 MB) only when a test reads the real map; the script adds it to a fetched kernel later.
        start.Environment["DEBIAN_KERNEL_SYSTEM_MAP"] = systemMap ? "1" : "";
        using var fetch = Process.Start(start) ?? throw new InvalidOperationException($"could not start {FetchCommand}");
        fetch.WaitForExit();
        fetch.ExitCode.ShouldBe(0, $"{FetchCommand} failed");
    }
}
