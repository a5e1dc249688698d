namespace LoaderHarness.Emulator.Traces;

/// <summary>Where two traces first disagree.</summary>
/// <param name="A">The first trace's record there.</param>
/// <param name="B">The second trace's record there.</param>
/// <param name="PreviousA">The first trace's instruction before it (whose effect differs), or null at the start.</param>
/// <param name="Registers">The registers that differ (empty when the addresses do).</param>
/// <param name="Compared">Every register compared there, in order: the differing ones and the rest.</param>
public sealed record TraceDivergence(TraceRecord A, TraceRecord B, TraceRecord? PreviousA, IReadOnlyList<string> Registers, IReadOnlyList<string> Compared)
{
    /// <summary>Whether the traces went to different addresses (rather than the same one with different registers).</summary>
    public bool PcDiffers => A.Pc != B.Pc;
}
