namespace LoaderHarness.Cli.Conform;

// The shape of `conform --json`: plain records the System.Text.Json source generator writes (CliJsonContext),
// so the native executable serializes without reflection. Property order is the order written.

/// <summary>The whole report.</summary>
internal sealed record ConformJsonReport(string SchemaVersion, string Command, bool Success, double WallSeconds, IReadOnlyList<ConformJsonCase> Cases, IReadOnlyList<ConformJsonMutant> Mutants);

/// <summary>One case: a kernel through one entry under one VMM profile.</summary>
internal sealed record ConformJsonCase(
    string Name,
    string Kernel,
    string Architecture,
    string Protocol,
    string Profile,
    bool Conforms,
    string? SetupError,
    string? StopReason,
    ulong? StopPc,
    string? StopPcHex,
    ulong? Instructions,
    string? Until,
    string? Milestone,
    IReadOnlyList<ConformJsonMilestone>? Milestones,
    string? Phase,
    ulong? Budget,
    ulong? SuggestedBudget,
    string Console,
    double WallSeconds,
    IReadOnlyList<ConformJsonContract> Contracts);

/// <summary>A milestone a real-kernel case passed (the schema's <c>milestone</c>, as <c>boot --json</c> writes it).</summary>
internal sealed record ConformJsonMilestone(string Kind, string Name, ulong Pc, string PcHex, ulong Instructions, double Seconds, string? Line);

/// <summary>One contract's verdict in one case.</summary>
internal sealed record ConformJsonContract(string Id, string Verdict, string Severity, string? Detail);

/// <summary>One seeded fault and whether the contracts caught it.</summary>
internal sealed record ConformJsonMutant(
    string Id,
    string Description,
    string Architecture,
    bool Caught,
    int Cases,
    IReadOnlyList<string> CaughtBy,
    IReadOnlyList<string> MissedIn);
