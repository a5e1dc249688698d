namespace LoaderHarness.Emulator.Boot;

/// <summary>What kind of progress a <see cref="BootMilestone"/> marks.</summary>
public enum BootMilestoneKind
{
    /// <summary>Execution reached a kernel symbol (before its first instruction).</summary>
    Symbol,
}

/// <summary>A point a boot reached, either architecture: today a kernel symbol (console lines, /init and shutdown are the next kinds).</summary>
/// <param name="Kind">What was reached.</param>
/// <param name="Name">The symbol's name.</param>
/// <param name="Address">The PC it was reached at (x86 linear; arm64 physical before the MMU is on, virtual after).</param>
/// <param name="Instructions">Instructions executed before it.</param>
public readonly record struct BootMilestone(BootMilestoneKind Kind, string Name, ulong Address, ulong Instructions)
{
    /// <summary>A symbol reached at <paramref name="address"/> after <paramref name="instructions"/> instructions.</summary>
    public static BootMilestone Symbol(string name, ulong address, ulong instructions) => new(BootMilestoneKind.Symbol, name, address, instructions);
}
