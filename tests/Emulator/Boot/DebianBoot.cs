using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>Debian's real kernel (tests/Support/DebianKernel), its vmlinux and recovered symbols, shared by the boot tests; and one boot in 1 GiB of RAM.</summary>
internal static class DebianBoot
{
    private static byte[]? _bzImage, _vmlinux;
    private static SymbolTable? _symbols;

    public static byte[] BzImage => _bzImage ??= DebianKernel.BzImage();
    public static byte[] Vmlinux => _vmlinux ??= VmlinuxExtractor.Extract(BzImage);
    public static SymbolTable Symbols => _symbols ??= KallsymsReader.Recover(Vmlinux);

    /// <summary>An initrd's worth of recognisable bytes (the kernel only records where it is before start_kernel).</summary>
    public static readonly byte[] Initrd = Enumerable.Range(0, 0x2345).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>
    /// Sets up <paramref name="request"/> the way <paramref name="profile"/> (default Firecracker) does, in 1 GiB, and
    /// boots to <paramref name="until"/>; <paramref name="tamper"/> may change guest memory first.
    /// </summary>
    public static (BootReport Report, GuestSetupResult Setup) Boot(GuestSetupRequest request, VmmProfile? profile = null,
        string until = "start_kernel", Action<GuestMemory, GuestSetupResult>? tamper = null, ulong? randomSeed = null, EngineTier engine = EngineTier.Interpreter,
        bool compileInBackground = false, bool hostCode = false)
    {
        profile ??= VmmProfiles.Firecracker;
        using var memory = GuestMemory.WithMmioGap(1UL << 30);
        var setup = GuestSetup.Run(memory, profile.Configure(request));
        tamper?.Invoke(memory, setup);
        return (KernelBoot.Run(memory, setup, new KernelBootOptions { Symbols = Symbols, Until = until, Profile = profile, RandomSeed = randomSeed, Engine = engine, CompileInBackground = compileInBackground, HostCodeTier = hostCode }), setup);
    }

    /// <summary>The built-in profiles whose VMM supports <paramref name="mode"/>, as test cases (every milestone under every VMM that has the entry).</summary>
    public static IEnumerable<TestCaseData> ProfilesWith(X86EntryMode mode) =>
        VmmProfiles.X86.Where(p => p.X86!.Supports(mode)).Select(p => new TestCaseData(p.Name).SetArgDisplayNames(p.Name));
}
