using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Reports;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>What one boot produced, either architecture: every contract's verdict, how the run ended and what the kernel printed.</summary>
public sealed record CaseReport
{
    /// <summary>The case.</summary>
    public required ConformanceCase Case { get; init; }
    /// <summary>The injected fault, for a mutant run.</summary>
    public Mutant? Mutant { get; init; }
    /// <summary>Verdicts in catalogue order (empty when the loader refused the guest).</summary>
    public IReadOnlyList<ContractResult> Results { get; init; } = [];
    /// <summary>How the run ended; null when the loader refused the guest.</summary>
    public RunResult? Run { get; init; }
    /// <summary>What the kernel printed on its console (x86 debug port 0xE9, arm64 PL011).</summary>
    public string Console { get; init; } = "";
    /// <summary>The loader's error when it refused the guest.</summary>
    public string? SetupError { get; init; }
    /// <summary>The guest's memory as set up (RAM, memory map, placements), for reports to draw; null when the loader refused the guest.</summary>
    public GuestMap? Map { get; init; }
    /// <summary>A real-kernel case's boot: milestones reached, phase, budget, readback; null for a fixture case.</summary>
    public Boot.BootReport? Boot { get; init; }
    /// <summary>Wall time of setup, checks and run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The case's name in reports.</summary>
    public string Name => Case.Name;

    /// <summary>The required contracts that failed.</summary>
    public IEnumerable<ContractResult> Violations => Results.Where(r => r.IsViolation);

    /// <summary>True when the loader accepted the guest and no required contract failed.</summary>
    public bool Conforms => SetupError is null && !Violations.Any();
}
