using BenchmarkDotNet.Attributes;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// Cold straight-line code, each of several thousand distinct instructions run once, as kernel entry code
/// is: every run starts with no decoded or translated code (this engine drops its decoded-instruction
/// cache, Unicorn its translation blocks), so decoding/translation cost is measured with execution.
/// Goal: at least Unicorn's speed.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EngineBenchmarkConfig))]
public class EngineColdBenchmarks
{
    private EngineMachine _engine = null!;
    private UnicornMachine _unicorn = null!;

    [GlobalSetup]
    public void Setup() => (_engine, _unicorn) = EngineBenchmarkConfig.CreateAndVerify(GuestProgram.Cold(), cold: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _unicorn.Dispose();
    }

    /// <summary>Baseline: Unicorn 2, translation blocks of the code removed before each run.</summary>
    [Benchmark(Baseline = true)]
    public ulong Unicorn() => _unicorn.Run(cold: true);

    /// <summary>This engine, decoded-instruction cache dropped before each run.</summary>
    [Benchmark]
    public ulong Engine() => _engine.Run(cold: true);
}
