using LoaderHarness.Fuzz;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fuzz;

/// <summary>
/// Replays every fuzz target's seed corpus (<see cref="FuzzSeeds"/>: fixtures/generated, tests/PeerImages, fuzz/seeds/&lt;target&gt;,
/// for the engine targets our fixtures' entry code) and every committed finding
/// (fuzz/regressions/&lt;target&gt;/) in process: a fixed crash, hang or bomb stays fixed in normal CI.
/// </summary>
[TestFixture]
[Category("Fuzz")]
public sealed class FuzzCorpusReplayTests
{
    public static IEnumerable<string> Targets => FuzzTargets.All.Keys;

    [TestCaseSource(nameof(Targets))]
    public void Every_corpus_input_and_regression_ends_cleanly(string target)
    {
        var failures = new List<string>();
        foreach (var (file, bytes) in FuzzSeeds.For(target, DebianKernel.RepositoryRoot()))
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                FuzzTargets.All[target](bytes);
            }
            catch (Exception e)
            {
                failures.Add($"{file}: {e.GetType().Name}: {e.Message}");
            }
            if (watch.Elapsed > TimeSpan.FromSeconds(5))
                failures.Add($"{file}: took {watch.Elapsed.TotalSeconds:F1} s");
        }
        failures.ShouldBeEmpty();
    }
}
