namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// A seeded loader or VMM fault: injected into a correctly set-up guest before the first instruction, it must
/// be caught by at least one contract or by the kernel's own report — otherwise the harness could not fail.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>pvh.bad-magic</c>.</param>
/// <param name="Description">The fault, in one line.</param>
/// <param name="AppliesTo">Whether the fault makes sense for a boot (entry mode, image kind).</param>
/// <param name="Inject">Writes the fault into guest memory or the vCPU.</param>
public sealed record Mutant(string Id, string Description, Func<BootCase, bool> AppliesTo, Action<BootCase> Inject);
