using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>What one arm64 boot produced: every contract's verdict, how the run ended and what the kernel printed.</summary>
public sealed record Arm64CaseReport
{
    /// <summary>The kernel's name in reports.</summary>
    public required string Kernel { get; init; }
    /// <summary>The VMM profile reproduced.</summary>
    public required Arm64VmmProfile Profile { get; init; }
    /// <summary>The injected fault, for a mutant run.</summary>
    public Arm64Mutant? Mutant { get; init; }
    /// <summary>Verdicts in catalogue order (empty when the loader refused the guest).</summary>
    public IReadOnlyList<ContractResult> Results { get; init; } = [];
    /// <summary>How the run ended; null when the loader refused the guest.</summary>
    public RunResult? Run { get; init; }
    /// <summary>What the kernel printed on the PL011.</summary>
    public string Console { get; init; } = "";
    /// <summary>The loader's error when it refused the guest.</summary>
    public string? SetupError { get; init; }
    /// <summary>Wall time of setup, checks and run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>"kernel / arm64 / profile", the case's name in reports.</summary>
    public string Name => $"{Kernel} / arm64 / {Profile.Name}";

    /// <summary>The required contracts that failed.</summary>
    public IEnumerable<ContractResult> Violations => Results.Where(r => r.IsViolation);

    /// <summary>True when the loader accepted the guest and no required contract failed.</summary>
    public bool Conforms => SetupError is null && !Violations.Any();
}
