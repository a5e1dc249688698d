using LoaderHarness.Emulator.Contracts;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>One seeded fault across every case it applies to.</summary>
/// <param name="Mutant">The fault.</param>
/// <param name="Runs">One report per case it was injected into, in case-name order.</param>
public sealed record MutantReport(Mutant Mutant, IReadOnlyList<CaseReport> Runs)
{
    /// <summary>Caught in every case (and applied to at least one).</summary>
    public bool Caught => Runs.Count > 0 && Runs.All(r => !r.Conforms);

    /// <summary>The contracts that caught it, most frequent first.</summary>
    public IReadOnlyList<string> CaughtBy => Runs.SelectMany(r => r.Violations.Select(v => v.Contract.Id))
        .GroupBy(id => id).OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray();

    /// <summary>The cases that let it through.</summary>
    public IEnumerable<CaseReport> Missed => Runs.Where(r => r.Conforms);
}
