using System.Text.Json;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Cli.Conform;

/// <summary>
/// The machine-readable report of a <c>conform</c> run: one object, camelCase names, lowercase enum values
/// (<see cref="JsonNames"/>), numbers as JSON numbers with a parallel <c>...Hex</c> string for addresses, times
/// in <c>wallSeconds</c>.
/// </summary>
internal static class ConformJson
{
    public static string Write(ConformanceResult result) => JsonSerializer.Serialize(new ConformJsonReport(
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
        r.Console,
        JsonNames.Seconds(r.Elapsed),
        [.. r.Results.Select(c => new ConformJsonContract(c.Contract.Id, JsonNames.Of(c.Verdict), JsonNames.Of(c.Contract.Severity), c.Detail))]);
}
