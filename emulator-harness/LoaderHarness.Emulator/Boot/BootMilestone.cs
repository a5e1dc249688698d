namespace LoaderHarness.Emulator.Boot;

/// <summary>What kind of progress a <see cref="BootMilestone"/> marks.</summary>
public enum BootMilestoneKind
{
    /// <summary>Execution reached a kernel symbol (before its first instruction).</summary>
    Symbol,
    /// <summary>The kernel completed its first console line.</summary>
    Console,
    /// <summary>The kernel printed "Run /init as init process": it is about to exec the initramfs's /init.</summary>
    Init,
    /// <summary>The kernel powered off, halted, restarted or panicked (its console said so).</summary>
    Shutdown,
}

/// <summary>A point a boot reached, either architecture: a kernel symbol, or a console milestone (<see cref="ConsoleMilestones"/>).</summary>
/// <param name="Kind">What was reached.</param>
/// <param name="Name">The symbol's name, or the milestone's (<c>console</c>, <c>init</c>, <c>shutdown</c>).</param>
/// <param name="Address">The PC it was reached at (x86 linear; arm64 physical before the MMU is on, virtual after).</param>
/// <param name="Instructions">Instructions executed before it.</param>
public readonly record struct BootMilestone(BootMilestoneKind Kind, string Name, ulong Address, ulong Instructions)
{
    /// <summary>Wall time from the start of the run to the milestone (zero when not measured).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The console line that marked it (console milestones), else null.</summary>
    public string? Line { get; init; }

    /// <summary>A symbol reached at <paramref name="address"/> after <paramref name="instructions"/> instructions.</summary>
    public static BootMilestone Symbol(string name, ulong address, ulong instructions) => new(BootMilestoneKind.Symbol, name, address, instructions);
}
