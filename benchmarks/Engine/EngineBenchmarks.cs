using BenchmarkDotNet.Attributes;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// The hot-loop workloads on this engine against Unicorn 2's JIT, same guest code, same run. Unicorn is
/// expected to win hot loops (it compiles them to host code); the Ratio column says by how much.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EngineBenchmarkConfig))]
public class EngineBenchmarks
{
    private EngineMachine _engine = null!;
    private EngineMachine _tiered = null!;
    private UnicornMachine _unicorn = null!;

    /// <summary>Which guest program runs.</summary>
    [ParamsAllValues]
    public EngineWorkload Workload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var program = GuestProgram.For(Workload, hooked: false);
        (_engine, _unicorn) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false);
        (_tiered, var unicorn) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false, tier: EngineTier.Tiered);
        unicorn.Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _tiered.Dispose();
        _unicorn.Dispose();
    }

    /// <summary>Baseline: Unicorn 2 (QEMU TCG).</summary>
    [Benchmark(Baseline = true)]
    public ulong Unicorn() => _unicorn.Run();

    /// <summary>This engine, interpreter only.</summary>
    [Benchmark]
    public ulong Engine() => _engine.Run();

    /// <summary>This engine with the compiling tier (hot code compiled after its first run, in the verifying run).</summary>
    [Benchmark]
    public ulong Tiered() => _tiered.Run();
}
