namespace LoaderHarness.Emulator.Boot;

/// <summary>A kernel symbol the run reached.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Address">The PC it was reached at (physical before the MMU is on, virtual after).</param>
/// <param name="Instructions">Instructions executed before it.</param>
public readonly record struct Arm64Milestone(string Symbol, ulong Address, ulong Instructions);
