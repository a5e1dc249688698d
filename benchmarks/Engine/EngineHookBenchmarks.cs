using BenchmarkDotNet.Attributes;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// The hot-loop workloads with a counting per-instruction hook on both sides (what a tracing harness
/// needs): <see cref="LoaderHarness.Emulator.X86.X86Cpu.InstructionHook"/> against Unicorn's UC_HOOK_CODE.
/// Goal: at least twice Unicorn's speed.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EngineBenchmarkConfig))]
public class EngineHookBenchmarks
{
    private EngineMachine _engine = null!;
    private UnicornMachine _unicorn = null!;

    /// <summary>Which guest program runs (shorter than in <see cref="EngineBenchmarks"/>).</summary>
    [ParamsAllValues]
    public EngineWorkload Workload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var program = GuestProgram.For(Workload, hooked: true);
        (_engine, _unicorn) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false, hooked: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _unicorn.Dispose();
    }

    /// <summary>Baseline: Unicorn 2 with UC_HOOK_CODE.</summary>
    [Benchmark(Baseline = true)]
    public ulong Unicorn() => _unicorn.Run();

    /// <summary>This engine with <see cref="LoaderHarness.Emulator.X86.X86Cpu.InstructionHook"/>.</summary>
    [Benchmark]
    public ulong Engine() => _engine.Run();
}
