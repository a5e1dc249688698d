using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// A seeded loader or VMM fault: injected into a correctly set-up guest before the first instruction, it must
/// be caught by at least one contract or by the kernel's own report — otherwise the harness could not fail.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>pvh.bad-magic</c>, <c>arm64.dtb-misaligned</c>.</param>
/// <param name="Description">The fault, in one line.</param>
/// <param name="Architecture">The architecture whose boots it is injected into.</param>
/// <param name="AppliesTo">Whether the fault makes sense for a boot of that architecture, from facts known before any guest exists (entry, image kind).</param>
/// <param name="Inject">Writes the fault into guest memory or the vCPU.</param>
public sealed record Mutant(string Id, string Description, GuestArchitecture Architecture, Func<CaseFacts, bool> AppliesTo, Action<BootCase> Inject)
{
    /// <summary>Whether the fault is injected into a boot with <paramref name="facts"/>.</summary>
    public bool Applies(CaseFacts facts) => facts.Architecture == Architecture && AppliesTo(facts);
}
