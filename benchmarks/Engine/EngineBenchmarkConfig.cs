using System.Collections.Concurrent;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using LoaderHarness.Emulator.Core.Tiering;
using Perfolizer.Horology;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// Columns of the engine benchmarks: guest MIPS and MB/s, speed relative to Unicorn, bytes allocated per
/// guest instruction. Also knows which <see cref="GuestProgram"/> a benchmark case runs.
/// </summary>
internal sealed class EngineBenchmarkConfig : ManualConfig
{
    private static readonly ConcurrentDictionary<string, GuestProgram> Programs = new();

    public EngineBenchmarkConfig()
    {
        // Every run here lasts milliseconds: 250 ms iterations and no overhead evaluation keep the short
        // mode (--job short) under three minutes for all 22 cases without making iterations noisy.
        AddJob(new Job("EngineIterations").WithIterationTime(TimeInterval.FromMilliseconds(250)).WithEvaluateOverhead(false).AsMutator());
        AddColumn(GuestRateColumn.Mips, GuestRateColumn.MegabytesPerSecond, new UnicornSpeedupColumn(), new AllocationPerInstructionColumn());
    }

    /// <summary>The guest program <paramref name="benchmarkCase"/> runs.</summary>
    public static GuestProgram ProgramOf(BenchmarkCase benchmarkCase)
    {
        var type = benchmarkCase.Descriptor.Type;
        var key = type.Name + benchmarkCase.Parameters.DisplayInfo;
        return Programs.GetOrAdd(key, _ => type == typeof(EngineColdBenchmarks)
            ? GuestProgram.Cold()
            : GuestProgram.For((EngineWorkload)benchmarkCase.Parameters["Workload"], hooked: type == typeof(EngineHookBenchmarks)));
    }

    /// <summary>
    /// Both machines for <paramref name="program"/>, each run once and checked before anything is timed:
    /// this engine retires exactly the instructions the program claims, and both end with the same RAX.
    /// </summary>
    public static (EngineMachine Engine, UnicornMachine Unicorn) CreateAndVerify(GuestProgram program, bool cold, bool hooked = false, EngineTier tier = EngineTier.Interpreter)
    {
        var engine = new EngineMachine(program, tier);
        var unicorn = new UnicornMachine(program);
        if (hooked)
        {
            engine.InstallCountingHook();
            unicorn.InstallCountingHook();
        }
        var ours = engine.Run(cold);
        var theirs = unicorn.Run(cold);
        if (engine.LastRun.Instructions != program.Instructions)
            throw new InvalidOperationException($"engine retired {engine.LastRun.Instructions} instructions, the program claims {program.Instructions}");
        if (hooked && engine.HookCalls != program.Instructions)
            throw new InvalidOperationException($"engine hook saw {engine.HookCalls} instructions of {program.Instructions}");
        if (ours != theirs)
            throw new InvalidOperationException($"engines disagree: RAX 0x{ours:x} here, 0x{theirs:x} in Unicorn");
        return (engine, unicorn);
    }
}
