using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>
/// Builds the case list for both architectures: every kernel × every entry it has × every VMM profile that
/// offers that entry (x86 profiles for x86 images, arm64 profiles for arm64 Images).
/// </summary>
public static class ConformanceMatrix
{
    /// <summary>The command line x86 cases get unless one is given (the fixture stubs print it back).</summary>
    public const string X86CommandLine = "console=ttyS0 reboot=k panic=1";
    /// <summary>The command line arm64 cases get unless one is given.</summary>
    public const string Arm64CommandLine = "console=ttyAMA0 reboot=k panic=1";

    /// <summary>
    /// The command line real-kernel cases get unless one is given: the serial console, the early console at once
    /// (x86 earlyprintk=serial; arm64 earlycon, found through /chosen/stdout-path) and no reboot loop on panic.
    /// </summary>
    public static string RealKernelCommandLine(bool arm64) =>
        arm64 ? "console=ttyAMA0 earlycon panic=-1" : "console=ttyS0 earlyprintk=serial panic=-1";

    /// <summary>The entries an image offers (<see cref="KernelImage.Entries"/>, the loader's one rule).</summary>
    public static IReadOnlyList<BootProtocol> EntriesOf(KernelImage image) => image.Entries;

    /// <summary>
    /// The cases for <paramref name="kernels"/> under <paramref name="profiles"/>, restricted to
    /// <paramref name="protocol"/> unless it is Auto. With Auto, the 16-bit real-mode entry is included only when
    /// <paramref name="realMode"/> says so: the fixture stubs run it, a real kernel's setup code needs a BIOS.
    /// Each case's facts are read from its image here, once. x86 cases come first, then arm64 (the catalogues' order).
    /// </summary>
    /// <param name="kernels">Name and bytes of each kernel.</param>
    /// <param name="profiles">The VMM profiles to reproduce, either architecture.</param>
    /// <param name="protocol">One entry only, or Auto for every entry each image has.</param>
    /// <param name="commandLine">The command line; null for the architecture's default (<see cref="X86CommandLine"/>, <see cref="Arm64CommandLine"/>).</param>
    /// <param name="initrd">An initrd to load with every kernel, or null.</param>
    /// <param name="budget">Instructions per boot; null for the case default.</param>
    /// <param name="realMode">Whether Auto includes the real-mode entry.</param>
    /// <param name="until">Real kernels: the milestone every case must reach (<see cref="ConformanceCase.Until"/>); their budget is then sized to the kernel unless <paramref name="budget"/> is given.</param>
    public static IReadOnlyList<ConformanceCase> Build(IEnumerable<(string Name, byte[] Image)> kernels, IEnumerable<VmmProfile> profiles,
        BootProtocol protocol = BootProtocol.Auto, string? commandLine = null, byte[]? initrd = null, ulong? budget = null, bool realMode = true,
        string? until = null)
    {
        var profileList = profiles.ToList();
        var cases = new List<ConformanceCase>();
        foreach (var (name, bytes) in kernels)
        {
            // A file with no known magic offers no entry and makes no case.
            if (ImageDetector.Detect(bytes) == ImageFormat.Unknown)
                continue;
            var image = KernelImage.Parse(bytes);
            // A real kernel (one with kallsyms: its boot is followed by its symbols, recovered once) runs to the milestone;
            // a fixture stub has none and runs bare.
            var (real, symbols) = until is null ? (false, null) : RealKernel(bytes, image);
            foreach (var entry in EntriesOf(image))
            {
                if (protocol != BootProtocol.Auto ? entry != protocol : entry == BootProtocol.Linux16 && !realMode)
                    continue;
                foreach (var profile in profileList.Where(p => p.Supports(entry)))
                {
                    var arm64 = profile.Architecture == GuestArchitecture.Arm64;
                    var c = new ConformanceCase
                    {
                        Kernel = name,
                        Image = image,
                        Protocol = entry,
                        Profile = profile,
                        Facts = CaseFacts.Of(image, entry, profile),
                        CommandLine = commandLine ?? (real ? RealKernelCommandLine(arm64) : arm64 ? Arm64CommandLine : X86CommandLine),
                        Initrd = initrd is null ? (ReadOnlyMemory<byte>?)null : initrd, // a null byte[] would convert to an empty initrd
                        MemorySize = arm64 ? 256UL << 20 : 512UL << 20,
                    };
                    if (real)
                        c = c with { Until = until, Budget = null, Symbols = symbols, MemorySize = 512UL << 20 };
                    cases.Add(budget is { } b ? c with { Budget = b } : c);
                }
            }
        }
        return cases.OrderBy(c => c.Architecture == GuestArchitecture.Arm64).ToArray(); // stable: kernel, entry, profile order kept
    }

    /// <summary>Whether <paramref name="bytes"/> is a real Linux kernel with kallsyms, and an x86 kernel's symbols.</summary>
    private static (bool Real, SymbolTable? Symbols) RealKernel(byte[] bytes, KernelImage image)
    {
        if (!image.IsX86)
            return (KallsymsReader.TryRead(bytes) is not null, null);
        try
        {
            return (true, KernelBoot.RecoverSymbols(bytes));
        }
        catch (LoaderException)
        {
            return (false, null);
        }
    }
}
