namespace LoaderHarness.Cli.Conform;

/// <summary>One seeded fault across every case it applies to.</summary>
/// <param name="Id">The fault's stable ID.</param>
/// <param name="Description">The fault in one line.</param>
/// <param name="Runs">One row per case it was injected into.</param>
internal sealed record MutantReport(string Id, string Description, IReadOnlyList<ConformRow> Runs)
{
    /// <summary>Caught in every case (and applied to at least one).</summary>
    public bool Caught => Runs.Count > 0 && Runs.All(r => !r.Conforms);

    /// <summary>The contracts that caught it, most frequent first.</summary>
    public IReadOnlyList<string> CaughtBy => Runs.SelectMany(r => r.Violations.Select(v => v.Contract.Id))
        .GroupBy(id => id).OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray();

    /// <summary>The cases that let it through.</summary>
    public IEnumerable<ConformRow> Missed => Runs.Where(r => r.Conforms);
}
