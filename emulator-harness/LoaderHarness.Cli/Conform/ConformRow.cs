using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Cli.Conform;

/// <summary>One boot in a conform report, whatever the architecture: what ran, every verdict, how it ended.</summary>
internal sealed record ConformRow
{
    public required string Kernel { get; init; }
    public required string Entry { get; init; }
    public required string Profile { get; init; }
    public IReadOnlyList<ContractResult> Results { get; init; } = [];
    /// <summary>The stop reason; null when the loader refused the guest.</summary>
    public string? StopReason { get; init; }
    public ulong? StopAddress { get; init; }
    public ulong? Instructions { get; init; }
    public string Console { get; init; } = "";
    public string? SetupError { get; init; }
    public TimeSpan Elapsed { get; init; }

    public string Name => $"{Kernel} / {Entry} / {Profile}";

    public IEnumerable<ContractResult> Violations => Results.Where(r => r.IsViolation);

    public bool Conforms => SetupError is null && !Violations.Any();

    public static ConformRow From(CaseReport r) => new()
    {
        Kernel = r.Case.Kernel,
        Entry = r.Case.Protocol.ToString(),
        Profile = r.Case.Profile.Name,
        Results = r.Results,
        StopReason = r.Run?.Reason.ToString(),
        StopAddress = r.Run?.Pc,
        Instructions = r.Run?.Instructions,
        Console = r.Console,
        SetupError = r.SetupError,
        Elapsed = r.Elapsed,
    };

    public static ConformRow From(Arm64CaseReport r) => new()
    {
        Kernel = r.Kernel,
        Entry = "Arm64",
        Profile = r.Profile.Name,
        Results = r.Results,
        StopReason = r.Run?.Reason.ToString(),
        StopAddress = r.Run?.Pc,
        Instructions = r.Run?.Instructions,
        Console = r.Console,
        SetupError = r.SetupError,
        Elapsed = r.Elapsed,
    };
}
