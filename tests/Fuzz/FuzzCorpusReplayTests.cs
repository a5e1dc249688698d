using LoaderHarness.Fuzz;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fuzz;

/// <summary>
/// Replays every fuzz target's seed corpus (fixtures/generated, tests/PeerImages, fuzz/seeds/&lt;target&gt;) and every committed finding
/// (fuzz/regressions/&lt;target&gt;/) in process: a fixed crash, hang or bomb stays fixed in normal CI.
/// </summary>
[TestFixture]
[Category("Fuzz")]
public sealed class FuzzCorpusReplayTests
{
    public static IEnumerable<string> Targets => FuzzTargets.All.Keys;

    private static IEnumerable<string> Inputs(string target)
    {
        var root = DebianKernel.RepositoryRoot();
        string[] folders =
        [
            Path.Combine(root, "fixtures", "generated"),
            Path.Combine(root, "tests", "PeerImages"),
            Path.Combine(root, "fuzz", "seeds", target),
            Path.Combine(root, "fuzz", "regressions", target),
        ];
        return folders.Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories))
            .Where(f => new FileInfo(f).Length < 1 << 20);
    }

    [TestCaseSource(nameof(Targets))]
    public void Every_corpus_input_and_regression_ends_cleanly(string target)
    {
        var failures = new List<string>();
        foreach (var file in Inputs(target))
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                FuzzTargets.All[target](File.ReadAllBytes(file));
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
