using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>Builds the case list: every kernel × every entry it has × every VMM profile that offers that entry.</summary>
public static class ConformanceMatrix
{
    /// <summary>The x86 entries an image offers: <see cref="KernelImage.Entries"/> for a vmlinux or bzImage, none for an Image.</summary>
    public static IReadOnlyList<BootProtocol> EntriesOf(KernelImage image) => image.IsX86 ? image.Entries : [];

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
