namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// Where one guest instruction of a block goes next, as its architecture decodes it: all that the architecture-neutral
/// passes over a block (<see cref="BasicBlocks"/>) need to know of its control flow.
/// </summary>
internal readonly struct BlockFlow
{
    /// <summary>The address after the instruction: its fall-through and, for a call, its return site.</summary>
    public ulong Next { get; init; }

    /// <summary>Whether it may go on at <see cref="Next"/> (not an unconditional branch, a call or a return).</summary>
    public bool FallsThrough { get; init; }

    /// <summary>Whether it is a direct branch (conditional or not, or a direct call) to <see cref="Target"/>.</summary>
    public bool Branches { get; init; }

    /// <summary>The direct branch's target, when <see cref="Branches"/>.</summary>
    public ulong Target { get; init; }

    /// <summary>Whether it is a call (direct or not) whose return site is <see cref="Next"/>: a return in the block may go there.</summary>
    public bool Calls { get; init; }

    /// <summary>Whether its fall-through is a branch's not-taken edge, so that <see cref="Next"/> starts a basic block of its own.</summary>
    public bool Conditional { get; init; }
}
