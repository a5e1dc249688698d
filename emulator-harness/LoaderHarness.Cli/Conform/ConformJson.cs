using System.Text.Json;
using System.Text.Json.Serialization;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Cli.Conform;

/// <summary>
/// The machine-readable report of a <c>conform</c> run: one object, camelCase names, lowercase enum values
/// (<see cref="JsonNames"/>), numbers as JSON numbers with a parallel <c>...Hex</c> string for addresses, times
/// in <c>wallSeconds</c>; docs/schema/loader-harness.schema.json's <c>conform</c> definition.
/// </summary>
internal static class ConformJson
{
    // Absent rather than null, as every other verb's JSON (Facts leaves nulls out).
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string Write(ConformanceResult result) => JsonSerializer.Serialize(new
    {
        schemaVersion = ReportSchema.Version,
        command = "conform",
        success = result.Success,
        wallSeconds = JsonNames.Seconds(result.Elapsed),
        cases = result.Cases.Select(Case),
        mutants = result.Mutants.Select(m => new
        {
            id = m.Mutant.Id,
            description = m.Mutant.Description,
            architecture = JsonNames.Of(m.Mutant.Architecture),
            caught = m.Caught,
            cases = m.Runs.Count,
            caughtBy = m.CaughtBy,
            missedIn = m.Missed.Select(r => r.Name),
        }),
    }, Options);

    private static object Case(CaseReport r) => new
    {
        name = r.Name,
        kernel = r.Case.Kernel,
        architecture = JsonNames.Of(r.Case.Architecture),
        protocol = JsonNames.Of(r.Case.Protocol),
        profile = r.Case.Profile.Name,
        conforms = r.Conforms,
        setupError = r.SetupError,
        stopReason = r.Run is { } run ? JsonNames.Of(run.Reason) : null,
        stopPc = r.Run?.Pc,
        stopPcHex = r.Run is { } stop ? JsonNames.Hex(stop.Pc) : null,
        instructions = r.Run?.Instructions,
        until = r.Case.Until,
        milestone = r.Boot?.Milestone,
        milestones = r.Boot?.Milestones.Select(m => new { kind = JsonNames.Of(m.Kind), name = m.Name, pc = m.Address, pcHex = JsonNames.Hex(m.Address), instructions = m.Instructions, seconds = JsonNames.Seconds(m.Elapsed), line = m.Line }),
        phase = r.Boot?.StopPhase,
        budget = r.Boot?.Budget,
        suggestedBudget = r.Boot?.SuggestedBudget,
        console = r.Console,
        wallSeconds = JsonNames.Seconds(r.Elapsed),
        contracts = r.Results.Select(c => new
        {
            id = c.Contract.Id,
            verdict = JsonNames.Of(c.Verdict),
            severity = JsonNames.Of(c.Contract.Severity),
            detail = c.Detail,
        }),
    };
}
