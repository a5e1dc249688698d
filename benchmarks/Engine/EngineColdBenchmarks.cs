using BenchmarkDotNet.Attributes;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// Cold straight-line code, each of several thousand distinct instructions run once, as kernel entry code
/// is: every run starts with no decoded or translated code (this engine drops its decoded-instruction
/// cache and compiled blocks, Unicorn its translation blocks), so decoding/translation cost is measured with
/// execution. Goals: at least Unicorn's speed, and the compiling tier no slower than the interpreter (code
/// run once never reaches the compile threshold, so tiered pays only its per-entry heat counting). x86 only.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EngineBenchmarkConfig))]
public class EngineColdBenchmarks
{
    private EngineMachine _engine = null!, _tiered = null!;
    private UnicornMachine _unicorn = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_engine, _unicorn) = EngineBenchmarkConfig.CreateAndVerify(GuestProgram.Cold(), cold: true);
        (_tiered, var extra) = EngineBenchmarkConfig.CreateAndVerify(GuestProgram.Cold(), cold: true, tier: EngineTier.Tiered);
        extra.Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _tiered.Dispose();
        _unicorn.Dispose();
    }

    /// <summary>Baseline: Unicorn 2, translation blocks of the code removed before each run.</summary>
    [Benchmark(Baseline = true)]
    public ulong Unicorn() => _unicorn.Run(cold: true);

    /// <summary>This engine, decoded-instruction cache dropped before each run.</summary>
    [Benchmark]
    public ulong Engine() => _engine.Run(cold: true);

    /// <summary>This engine with the compiling tier, decoded instructions and compiled blocks dropped before each run.</summary>
    [Benchmark]
    public ulong Tiered() => _tiered.Run(cold: true);
}
