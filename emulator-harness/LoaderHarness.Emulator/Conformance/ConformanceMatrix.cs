using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>Builds the case list: every kernel × every entry it has × every VMM profile that offers that entry.</summary>
public static class ConformanceMatrix
{
    /// <summary>The x86 entries an image offers (boot.rst version rules; PVH from the Xen note).</summary>
    public static IReadOnlyList<BootProtocol> EntriesOf(KernelImage image)
    {
        switch (image.Format)
        {
            case ImageFormat.Elf:
                return image.Elf!.PvhEntry is not null ? [BootProtocol.Pvh, BootProtocol.Linux64] : [BootProtocol.Linux64];
            case ImageFormat.BzImage:
                var header = image.BzImage!.Header;
                var entries = new List<BootProtocol> { BootProtocol.Linux32 };
                if (header.Version >= 0x020C && header.EffectiveXLoadFlags.HasFlag(XLoadFlags.Kernel64))
                    entries.Add(BootProtocol.Linux64);
                if (header.HasCmdLinePtr)
                    entries.Add(BootProtocol.Linux16);
                return entries;
            default:
                return [];
        }
    }

    /// <summary>
    /// The cases for <paramref name="kernels"/> under <paramref name="profiles"/>, restricted to
    /// <paramref name="protocol"/> unless it is Auto.
    /// </summary>
    public static IReadOnlyList<ConformanceCase> Build(IEnumerable<(string Name, byte[] Image)> kernels, IEnumerable<VmmProfile> profiles,
        BootProtocol protocol = BootProtocol.Auto, string? commandLine = null, byte[]? initrd = null)
    {
        var profileList = profiles.ToList();
        var cases = new List<ConformanceCase>();
        foreach (var (name, bytes) in kernels)
        {
            // A file with no known magic offers no entry (and makes no case), as before parsing moved here.
            if (ImageDetector.Detect(bytes) == ImageFormat.Unknown)
                continue;
            var image = KernelImage.Parse(bytes);
            foreach (var entry in EntriesOf(image))
            {
                if (protocol != BootProtocol.Auto && entry != protocol)
                    continue;
                foreach (var profile in profileList.Where(p => p.Supports(VmmProfile.ModeOf(entry))))
                    cases.Add(new ConformanceCase
                    {
                        Kernel = name,
                        Image = image,
                        Protocol = entry,
                        Profile = profile,
                        CommandLine = commandLine ?? "console=ttyS0 reboot=k panic=1",
                        Initrd = initrd is null ? (ReadOnlyMemory<byte>?)null : initrd, // a null byte[] would convert to an empty initrd
                    });
            }
        }
        return cases;
    }
}
