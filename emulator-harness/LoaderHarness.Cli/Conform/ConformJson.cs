using System.Text.Json;
using LoaderHarness.Emulator.Conformance;

namespace LoaderHarness.Cli.Conform;

/// <summary>The machine-readable report of a <c>conform</c> run (camelCase JSON, one object).</summary>
internal static class ConformJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string Write(ConformResult result) => JsonSerializer.Serialize(new
    {
        success = result.Success,
        elapsedMs = result.Elapsed.TotalMilliseconds,
        cases = result.Cases.Select(Case),
        mutants = result.Mutants.Select(m => new
        {
            id = m.Mutant.Id,
            description = m.Mutant.Description,
            caught = m.Caught,
            cases = m.Runs.Count,
            caughtBy = m.CaughtBy,
            missedIn = m.Missed.Select(r => r.Case.Name),
        }),
    }, Options);

    private static object Case(CaseReport r) => new
    {
        name = r.Case.Name,
        kernel = r.Case.Kernel,
        protocol = r.Case.Protocol.ToString(),
        profile = r.Case.Profile.Name,
        conforms = r.Conforms,
        setupError = r.SetupError,
        stopReason = r.Run?.Reason.ToString(),
        stopAddress = r.Run is { } run ? $"0x{run.Rip:x}" : null,
        instructions = r.Run?.Instructions,
        console = r.Console,
        elapsedMs = r.Elapsed.TotalMilliseconds,
        contracts = r.Results.Select(c => new
        {
            id = c.Contract.Id,
            verdict = c.Verdict.ToString(),
            severity = c.Contract.Severity.ToString(),
            detail = c.Detail,
        }),
    };
}
