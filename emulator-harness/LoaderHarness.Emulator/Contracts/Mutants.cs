using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// The seeded faults <c>conform --mutants</c> injects, one catalogue for both architectures: <see cref="X86"/>
/// (zero page, start_info, vCPU state) and <see cref="Arm64"/> (registers, PSTATE, DTB and Image placement).
/// </summary>
public static partial class Mutants
{
    private static IReadOnlyList<Mutant>? _all;

    // Computed on first use: the order of static initialisers across the parts of a partial class is unspecified.
    /// <summary>Every fault: x86, then arm64.</summary>
    public static IReadOnlyList<Mutant> All => _all ??= [.. X86, .. Arm64];

    /// <summary>The faults injected into boots of <paramref name="architecture"/>.</summary>
    public static IReadOnlyList<Mutant> For(GuestArchitecture architecture) => architecture == GuestArchitecture.Arm64 ? Arm64 : X86;
}
