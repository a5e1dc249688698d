using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Fuzz;

/// <summary>A broken fuzz contract: the fuzzer keeps the input as a crash.</summary>
public sealed class FuzzContractException(string message) : Exception(message)
{
    /// <summary>The bound on one input's run, the "no hang over a second".</summary>
    public static readonly TimeSpan PerInput = TimeSpan.FromSeconds(1);

    /// <summary>Checks an engine run: a typed stop reason, the budget respected, the time bound kept.</summary>
    public static void Check(RunResult result, ulong budget, TimeSpan elapsed)
    {
        if (Environment.GetEnvironmentVariable("FUZZ_TRACE") is not null)
            Console.Error.WriteLine($"{result} in {elapsed.TotalMilliseconds:F3} ms");
        if (result.Reason == StopReason.InternalError)
            throw new FuzzContractException($"engine bug: {result.Detail}");
        if (result.Instructions > budget)
            throw new FuzzContractException($"retired {result.Instructions} instructions under a budget of {budget}");
        if (elapsed > PerInput && !System.Diagnostics.Debugger.IsAttached)
            throw new FuzzContractException($"the run took {elapsed.TotalMilliseconds:F0} ms");
    }
}
