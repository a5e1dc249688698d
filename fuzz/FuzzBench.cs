using System.Diagnostics;

namespace LoaderHarness.Fuzz;

/// <summary>
/// Measures a target's fixed cost per input outside AFL++: the inputs replayed in a loop for a few seconds,
/// in process and uninstrumented, after one warm-up pass (the JIT's first compile is not a per-input cost).
/// </summary>
public static class FuzzBench
{
    /// <summary>Replays the files (or folders) under <paramref name="paths"/> and prints the rate and the slowest inputs.</summary>
    public static void Run(Action<ReadOnlyMemory<byte>> target, IEnumerable<string> paths)
    {
        var inputs = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Select(f => (Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).ToList();
        if (inputs.Count == 0)
        {
            Console.WriteLine("no inputs");
            return;
        }
        var time = new double[inputs.Count];
        var runs = 0L;
        Pass(target, inputs, time);
        Array.Clear(time);
        var (gen0, gen1, gen2, allocated) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        var paused = GC.GetTotalPauseDuration();
        var total = Stopwatch.StartNew();
        var passes = 0;
        var seconds = double.TryParse(Environment.GetEnvironmentVariable("FUZZ_BENCH_SECONDS"), out var s) ? s : 3;
        while (total.Elapsed < TimeSpan.FromSeconds(seconds) || passes == 0)
        {
            Pass(target, inputs, time);
            runs += inputs.Count;
            passes++;
        }
        Console.WriteLine($"{inputs.Count} inputs, {runs} executions in {total.Elapsed.TotalSeconds:F2} s: {runs / total.Elapsed.TotalSeconds:F0}/s; "
            + $"GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} ({(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms paused), "
            + $"{(GC.GetTotalAllocatedBytes() - allocated) / runs} bytes allocated per run");
        foreach (var i in Enumerable.Range(0, inputs.Count).OrderByDescending(i => time[i]).Take(5))
            Console.WriteLine($"  {time[i] / passes * 1000:F3} ms  {inputs[i].Name}");
    }

    private static void Pass(Action<ReadOnlyMemory<byte>> target, List<(string Name, byte[] Bytes)> inputs, double[] time)
    {
        for (var i = 0; i < inputs.Count; i++)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                target(inputs[i].Bytes);
            }
            catch (Exception)
            {
            }
            time[i] += watch.Elapsed.TotalSeconds;
        }
    }
}
