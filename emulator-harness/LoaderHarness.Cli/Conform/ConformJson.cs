using LoaderHarness.Emulator.Core;
using System.Text.Json;
using LoaderHarness.Cli.Output;

namespace LoaderHarness.Cli.Conform;

/// <summary>
/// The machine-readable report of a <c>conform</c> run: one object, camelCase names, lowercase enum values
/// (<see cref="JsonNames"/>), numbers as JSON numbers with a parallel <c>...Hex</c> string for addresses, times
/// in <c>wallSeconds</c>.
/// </summary>
internal static class ConformJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string Write(ConformResult result) => JsonSerializer.Serialize(new
    {
        success = result.Success,
        wallSeconds = JsonNames.Seconds(result.Elapsed),
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
        architecture = r.Architecture,
        protocol = JsonNames.Of(r.Entry),
        profile = r.Profile,
        conforms = r.Conforms,
        setupError = r.SetupError,
        stopReason = r.StopReason is { } reason ? JsonNames.Of(reason) : null,
        stopPc = r.StopAddress,
        stopPcHex = r.StopAddress is { } address ? JsonNames.Hex(address) : null,
        instructions = r.Instructions,
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
