using System.Text.Json;
using LoaderHarness.Emulator.Core;

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
            id = m.Id,
            description = m.Description,
            caught = m.Caught,
            cases = m.Runs.Count,
            caughtBy = m.CaughtBy,
            missedIn = m.Missed.Select(r => r.Name),
        }),
    }, Options);

    private static object Case(ConformRow r) => new
    {
        name = r.Name,
        kernel = r.Kernel,
        protocol = r.Entry,
        profile = r.Profile,
        conforms = r.Conforms,
        setupError = r.SetupError,
        stopReason = r.StopReason,
        stopAddress = r.StopAddress is { } address ? $"0x{address:x}" : null,
        instructions = r.Instructions,
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
