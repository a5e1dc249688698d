using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// How a boot's run was executed, for the report: the engine tier in effect (<see cref="EngineTier.Interpreter"/> where
/// the engine cannot compile here, whatever was asked: arm64 in the NativeAOT executable), whether hot blocks were compiled on a worker thread, what the compiling
/// tier did (<see cref="TieringStatistics"/>), and the time the runtime's JIT spent compiling on all threads during the
/// run (<see cref="System.Runtime.JitInfo.GetCompilationTime"/>: the compiled blocks, and any of our own methods compiled
/// then), so a user sees whether the run waited on compilation.
/// </summary>
public sealed record RunTiering(EngineTier Engine, bool Background, TieringStatistics Statistics, TimeSpan JitTime)
{
    /// <summary>A run with nothing compiled.</summary>
    public static readonly RunTiering Interpreted = new(EngineTier.Interpreter, false, default, TimeSpan.Zero);
}
