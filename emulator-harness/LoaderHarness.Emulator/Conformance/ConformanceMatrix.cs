using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>Builds the case list: every kernel × every entry it has × every VMM profile that offers that entry.</summary>
public static class ConformanceMatrix
{
    /// <summary>The x86 entries an image offers (boot.rst version rules; PVH from the Xen note).</summary>
    public static IReadOnlyList<BootProtocol> EntriesOf(ReadOnlySpan<byte> image)
    {
        switch (ImageDetector.Detect(image))
        {
            case ImageFormat.Elf:
                return ElfKernel.Parse(image).PvhEntry is not null ? [BootProtocol.Pvh, BootProtocol.Linux64] : [BootProtocol.Linux64];
            case ImageFormat.BzImage:
                var header = BzImageKernel.Parse(image).Header;
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
        foreach (var (name, image) in kernels)
            foreach (var entry in EntriesOf(image))
            {
                if (protocol != BootProtocol.Auto && entry != protocol)
                    continue;
                foreach (var profile in profileList.Where(p => p.Supports(entry)))
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
        return cases;
    }
}
