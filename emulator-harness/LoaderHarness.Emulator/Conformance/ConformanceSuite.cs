using System.Diagnostics;
using LoaderHarness.Emulator.Contracts;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>
/// Runs a case list and the seeded faults: every case plainly, then each mutant on every case it applies to
/// (decided from the case's facts, so only real runs set up a guest), in parallel.
/// </summary>
public static class ConformanceSuite
{
    /// <summary>The runs <see cref="Run"/> makes: one per case and one per (mutant, case) it applies to — the progress total.</summary>
    public static int CountRuns(IReadOnlyList<ConformanceCase> cases, IReadOnlyList<Mutant> mutants) =>
        cases.Count + Relevant(cases, mutants).Sum(m => cases.Count(c => ConformanceRunner.Applies(c, m)));

    /// <summary>
    /// The faults that apply to at least one case: one that applies to none (another architecture, or a zero-page
    /// fault on a PVH-only run) proves nothing either way, so it is neither caught nor missed.
    /// </summary>
    public static IReadOnlyList<Mutant> Relevant(IReadOnlyList<ConformanceCase> cases, IReadOnlyList<Mutant> mutants) =>
        mutants.Where(m => cases.Any(c => c.Architecture == m.Architecture && ConformanceRunner.Applies(c, m))).ToArray();

    /// <summary>
    /// Runs <paramref name="cases"/>, then every mutant of <paramref name="mutants"/> on every case it applies to
    /// (the faults of an architecture without cases are left out); <paramref name="advance"/> is called after
    /// each run (from worker threads).
    /// </summary>
    public static ConformanceResult Run(IReadOnlyList<ConformanceCase> cases, IReadOnlyList<Mutant> mutants, Action? advance = null)
    {
        var clock = Stopwatch.StartNew();
        mutants = Relevant(cases, mutants);
        // Each job is a case and the index of the mutant injected into it (−1: a plain case).
        var jobs = new List<(int Mutant, ConformanceCase Case)>();
        jobs.AddRange(cases.Select(c => (-1, c)));
        for (var m = 0; m < mutants.Count; m++)
            jobs.AddRange(cases.Where(c => ConformanceRunner.Applies(c, mutants[m])).Select(c => (m, c)));

        var reports = new CaseReport[jobs.Count];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var (m, c) = jobs[i];
            reports[i] = ConformanceRunner.Run(c, m < 0 ? null : mutants[m]);
            advance?.Invoke();
        });

        var plain = reports.Where((_, i) => jobs[i].Mutant < 0).ToArray();
        var perMutant = mutants.Select((mutant, m) => new MutantReport(mutant,
            reports.Where((_, i) => jobs[i].Mutant == m).OrderBy(r => r.Name, StringComparer.Ordinal).ToArray())).ToArray();
        return new ConformanceResult(plain, perMutant, clock.Elapsed);
    }
}
