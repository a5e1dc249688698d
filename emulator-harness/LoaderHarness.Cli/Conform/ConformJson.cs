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
    public static string Write(ConformanceResult result) => JsonSerializer.Serialize(new ConformJsonReport(
        ReportSchema.Version,
        "conform",
        result.Success,
        JsonNames.Seconds(result.Elapsed),
        [.. result.Cases.Select(Case)],
        [.. result.Mutants.Select(m => new ConformJsonMutant(
            m.Mutant.Id,
            m.Mutant.Description,
            JsonNames.Of(m.Mutant.Architecture),
            m.Caught,
            m.Runs.Count,
            m.CaughtBy,
            [.. m.Missed.Select(r => r.Name)]))]), CliJsonContext.Default.ConformJsonReport);

    private static ConformJsonCase Case(CaseReport r) => new(
        r.Name,
        r.Case.Kernel,
        JsonNames.Of(r.Case.Architecture),
        JsonNames.Of(r.Case.Protocol),
        r.Case.Profile.Name,
        r.Conforms,
        r.SetupError,
        r.Run is { } run ? JsonNames.Of(run.Reason) : null,
        r.Run?.Pc,
        r.Run is { } stop ? JsonNames.Hex(stop.Pc) : null,
        r.Run?.Instructions,
        r.Case.Until,
        r.Boot?.Milestone,
        r.Boot is { } boot ? [.. boot.Milestones.Select(m => new ConformJsonMilestone(JsonNames.Of(m.Kind), m.Name, m.Address, JsonNames.Hex(m.Address),
            m.Instructions, JsonNames.Seconds(m.Elapsed), m.Line))] : null,
        r.Boot?.StopPhase,
        r.Boot?.Budget,
        r.Boot?.SuggestedBudget,
        r.Console,
        JsonNames.Seconds(r.Elapsed),
        [.. r.Results.Select(c => new ConformJsonContract(c.Contract.Id, JsonNames.Of(c.Verdict), JsonNames.Of(c.Contract.Severity), c.Detail))]);
}
