namespace LoaderHarness.Cli.Conform;

/// <summary>A whole <c>conform</c> run: the cases, the mutants and the wall time.</summary>
internal sealed record ConformResult(IReadOnlyList<ConformRow> Cases, IReadOnlyList<MutantReport> Mutants, TimeSpan Elapsed)
{
    /// <summary>Everything conforms and every mutant was caught.</summary>
    public bool Success => Cases.Count > 0 && Cases.All(c => c.Conforms) && Mutants.All(m => m.Caught);
}
