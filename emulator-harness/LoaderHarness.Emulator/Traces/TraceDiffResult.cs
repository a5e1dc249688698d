namespace LoaderHarness.Emulator.Traces;

/// <summary>The outcome of aligning two traces.</summary>
/// <param name="Start">The address both traces were aligned at, or null when the second never reaches the first's start.</param>
/// <param name="Agreed">How many instructions matched from there.</param>
/// <param name="Divergence">The first disagreement, or null when the traces agree as far as both (or the limit) go.</param>
/// <param name="EndedA">Whether the first trace ran out.</param>
/// <param name="EndedB">Whether the second trace ran out.</param>
public sealed record TraceDiffResult(ulong? Start, long Agreed, TraceDivergence? Divergence, bool EndedA, bool EndedB)
{
    /// <summary>Whether the traces agree over the compared stretch.</summary>
    public bool Agrees => Start is not null && Divergence is null;
}
