using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The built-in VMM profiles, one catalogue for both architectures: the x86 ones (<see cref="X86"/>, values
/// from each VMM's x86_64 sources; "spec" is what boot.rst and the PVH ABI require and nothing more) and the
/// arm64 ones (<see cref="Arm64"/>). A VMM that runs both architectures has a profile for each, under the
/// same name.
/// </summary>
public static partial class VmmProfiles
{
    private static IReadOnlyList<VmmProfile>? _all;

    // Computed on first use: the order of static initialisers across the parts of a partial class is unspecified.
    /// <summary>Every built-in profile: the x86 ones, then the arm64 ones.</summary>
    public static IReadOnlyList<VmmProfile> All => _all ??= [.. X86, .. Arm64];

    /// <summary>The profiles for guests of <paramref name="architecture"/>.</summary>
    public static IReadOnlyList<VmmProfile> For(GuestArchitecture architecture) => architecture == GuestArchitecture.Arm64 ? Arm64 : X86;

    /// <summary>Every profile named <paramref name="name"/> (case-insensitive): one per architecture the VMM has.</summary>
    public static IReadOnlyList<VmmProfile> Named(string name) =>
        All.Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>The profile named <paramref name="name"/> for guests of <paramref name="architecture"/>, or null.</summary>
    public static VmmProfile? Find(string name, GuestArchitecture architecture = GuestArchitecture.X86_64) =>
        For(architecture).FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The distinct profile names, x86 first.</summary>
    public static IEnumerable<string> Names => All.Select(p => p.Name).Distinct();
}
