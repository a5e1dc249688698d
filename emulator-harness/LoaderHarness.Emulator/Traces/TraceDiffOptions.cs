namespace LoaderHarness.Emulator.Traces;

/// <summary>What <see cref="TraceDiff"/> compares, and the normalisations it applies.</summary>
public sealed record TraceDiffOptions
{
    /// <summary>Start both traces at their first instruction at this address; null: where the first trace starts (found in the second).</summary>
    public ulong? From { get; init; }

    /// <summary>Compare at most this many instructions; null for all.</summary>
    public long? Limit { get; init; }

    /// <summary>
    /// Registers never compared. A name ending in <c>*</c> is a prefix (<c>dr*</c>, <c>tr*</c> for <c>tr</c> and its
    /// <c>tr.base</c>, <c>tr.limit</c>, <c>tr.flags</c>).
    /// </summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    /// <summary>
    /// Registers compared only from the first instruction where both traces hold the same value: for state the
    /// boot protocol leaves undefined at entry, which each VMM fills differently and the kernel sets before it
    /// relies on it. Same prefix rule as <see cref="Ignore"/>.
    /// </summary>
    public IReadOnlyList<string> UntilEqual { get; init; } = [];

    /// <summary>
    /// Instructions (by mnemonic, e.g. <c>cpuid</c>) whose results depend on the machine rather than the code, with
    /// the registers they write: after one executes, those registers are again compared only once both traces
    /// hold the same value (as <see cref="UntilEqual"/>). For two different CPU models, whose CPUID answers differ
    /// by design.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ResyncAfter { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
