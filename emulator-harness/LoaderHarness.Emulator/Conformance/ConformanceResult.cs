namespace LoaderHarness.Emulator.Conformance;

/// <summary>A whole conformance run: a report per case, a report per seeded fault, and the wall time.</summary>
/// <param name="Cases">The plain cases, in the order given.</param>
/// <param name="Mutants">One report per fault, in catalogue order.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record ConformanceResult(IReadOnlyList<CaseReport> Cases, IReadOnlyList<MutantReport> Mutants, TimeSpan Elapsed)
{
    /// <summary>There were cases, every one conforms, and every mutant was caught.</summary>
    public bool Success => Cases.Count > 0 && Cases.All(c => c.Conforms) && Mutants.All(m => m.Caught);
}
