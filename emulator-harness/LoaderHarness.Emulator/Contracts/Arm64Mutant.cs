namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// A seeded arm64 loader or VMM fault: injected into a correctly set-up guest before the first instruction,
/// it must be caught by at least one contract — otherwise the harness could not fail.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>arm64.dtb-misaligned</c>.</param>
/// <param name="Description">The fault, in one line.</param>
/// <param name="AppliesTo">Whether the fault makes sense for a boot.</param>
/// <param name="Inject">Writes the fault into guest memory or the vCPU.</param>
public sealed record Arm64Mutant(string Id, string Description, Func<Arm64BootCase, bool> AppliesTo, Action<Arm64BootCase> Inject);
