using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Fuzz;

/// <summary>
/// The seed corpus of a target: the generated fixtures, the peer images (linux-loader's test images),
/// <c>fuzz/seeds/&lt;target&gt;</c> and earlier findings in <c>fuzz/regressions/&lt;target&gt;</c>, each under 1 MiB
/// (AFL++ mutates small inputs far faster; the fixtures hold every format at a few KiB).
/// </summary>
public static class FuzzSeeds
{
    /// <summary>The folders a target's seeds and regressions come from, relative to the repository root.</summary>
    public static IEnumerable<string> Folders(string target, string root) =>
    [
        Path.Combine(root, "fixtures", "generated"),
        Path.Combine(root, "tests", "PeerImages"),
        Path.Combine(root, "fuzz", "seeds", target),
        Path.Combine(root, "fuzz", "regressions", target),
    ];

    /// <summary>
    /// Every seed of <paramref name="target"/> as a unique file name and its bytes. The engine targets get our
    /// fixtures' own code: 4 KiB at the entry each fixture's setup hands the vCPU in that mode, behind a knob
    /// byte of 0, 1 (vectors into the code) and 0x10 (the long budget). Not vectors and the long budget together: under
    /// AFL++ the descendants of such seeds, 10,000-delivery fault loops, were 96 % of x86-real's corpus and of its time
    /// (the fuzzer still sets those bits where they find code paths); <c>protocols</c> gets every
    /// file behind every selector.
    /// </summary>
    public static IEnumerable<(string Name, byte[] Bytes)> For(string target, string root)
    {
        var files = Folders(target, root).Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories))
            .Where(f => new FileInfo(f).Length < 1 << 20)
            .Select(f => (Name: Path.GetRelativePath(root, f).Replace('/', '_'), Bytes: File.ReadAllBytes(f)))
            .ToList();
        if (FuzzTargets.EngineTargets.Contains(target))
        {
            var regressions = Path.Combine("fuzz", "regressions", target).Replace('/', '_');
            foreach (var (name, bytes) in files.Where(f => f.Name.StartsWith(regressions, StringComparison.Ordinal)))
                yield return (name, bytes);
            foreach (var (name, bytes) in files)
            {
                var code = EntryCode(target, bytes);
                if (code is null)
                    continue;
                yield return (name + ".knob0", [0, .. code]);
                yield return (name + ".knob1", [1, .. code]);
                yield return (name + ".knob16", [0x10, .. code]); // the long budget
            }
            yield break;
        }
        foreach (var (name, bytes) in files)
        {
            if (target != "protocols")
                yield return (name, bytes);
            else
            {
                for (var step = 0; step < ProtocolSetupTarget.Steps.Length; step++)
                    yield return ($"{name}.{ProtocolSetupTarget.Steps[step]}", [(byte)step, .. bytes]);
            }
        }
    }

    /// <summary>4 KiB of guest memory at the entry of <paramref name="image"/> set up for the mode of <paramref name="target"/>, or null.</summary>
    private static byte[]? EntryCode(string target, byte[] image)
    {
        var protocols = target switch
        {
            "x86-real" => [BootProtocol.Linux16],
            "x86-protected" => [BootProtocol.Linux32, BootProtocol.Pvh],
            "x86-long" => [BootProtocol.Linux64],
            _ => new[] { BootProtocol.Arm64 },
        };
        if (protocols[0] == BootProtocol.Arm64)
        {
            // An arm64 Image starts with its code (code0/code1: a branch to the entry, Documentation/arch/arm64/booting.rst).
            return ImageDetector.Detect(image) == ImageFormat.Arm64Image ? image[..Math.Min(image.Length, 4096)] : null;
        }
        foreach (var protocol in protocols)
        {
            try
            {
                var kernel = KernelImage.Parse(image);
                if (kernel.IsX86 == (protocol == BootProtocol.Arm64))
                    continue;
                using var memory = protocol == BootProtocol.Arm64
                    ? new GuestMemory([new GuestRegion(0x4000_0000, 64 << 20)])
                    : GuestMemory.Flat(64 << 20);
                var result = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = kernel, Protocol = protocol });
                var entry = protocol == BootProtocol.Linux16 ? result.Entry & 0xF_FFFF : result.Entry;
                return memory.ReadBytes(entry, (int)Math.Min(4096, memory.Regions[^1].End - entry));
            }
            catch (LoaderException)
            {
            }
        }
        return null;
    }
}
