using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using Spectre.Console;

namespace LoaderHarness.Cli.Conform;

/// <summary>The human-readable report: a row per case, the violations, the mutants, a summary line.</summary>
internal static class ConformTable
{
    public static void Write(IAnsiConsole console, ConformanceResult result, bool details)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Conformance");
        table.AddColumns("Kernel", "Entry", "Profile", "Contracts", "Stop", "Verdict");
        foreach (var r in result.Cases)
        {
            var passed = r.Results.Count(c => c.Verdict == ContractVerdict.Pass);
            var failed = r.Violations.Count();
            var advisory = r.Results.Count(c => c.Verdict == ContractVerdict.Fail && !c.IsViolation);
            var contracts = r.SetupError is not null ? "loader refused" : $"{passed} pass, {failed} fail" + (advisory > 0 ? $", {advisory} advisory" : "");
            var stop = r.Run is { } run ? $"{JsonNames.Of(run.Reason)} after {run.Instructions}" : "-";
            table.AddRow(Markup.Escape(r.Case.Kernel), JsonNames.Of(r.Case.Protocol), r.Case.Profile.Name, contracts, Markup.Escape(stop),
                r.Conforms ? "[green]PASS[/]" : "[red]FAIL[/]");
        }
        console.Write(table);

        foreach (var r in result.Cases.Where(r => !r.Conforms || details))
        {
            console.MarkupLine($"[bold]{Markup.Escape(r.Name)}[/]");
            if (r.SetupError is { } error)
                console.MarkupLine($"  [red]loader:[/] {Markup.Escape(error)}");
            foreach (var c in r.Results.Where(c => details || c.IsViolation))
                console.MarkupLine($"  {Verdict(c)} {Markup.Escape(c.Contract.Id)}: {Markup.Escape(c.Detail)}");
            if (r.Console.Length > 0)
                console.MarkupLine($"  kernel said: {Markup.Escape(r.Console.TrimEnd().Replace("\n", " | "))}");
        }

        if (result.Mutants.Count > 0)
        {
            var mutants = new Table().Border(TableBorder.Rounded).Title("Mutants (seeded faults)");
            mutants.AddColumns("Mutant", "Cases", "Caught by", "Verdict");
            foreach (var m in result.Mutants)
                mutants.AddRow(Markup.Escape(m.Mutant.Id), m.Runs.Count.ToString(), Markup.Escape(string.Join(", ", m.CaughtBy.Take(3))),
                    m.Caught ? "[green]caught[/]" : "[red]MISSED[/]");
            console.Write(mutants);
            foreach (var m in result.Mutants.Where(m => !m.Caught))
                console.MarkupLine($"[red]{Markup.Escape(m.Mutant.Id)}[/] ({Markup.Escape(m.Mutant.Description)}) went unnoticed in: {Markup.Escape(string.Join(", ", m.Missed.Select(r => r.Name)))}");
        }

        var conforming = result.Cases.Count(c => c.Conforms);
        var caught = result.Mutants.Count(m => m.Caught);
        console.MarkupLine($"{(result.Success ? "[green]OK[/]" : "[red]FAILED[/]")}: {conforming}/{result.Cases.Count} cases conform"
            + (result.Mutants.Count > 0 ? $", {caught}/{result.Mutants.Count} mutants caught" : "") + $", {result.Elapsed.TotalSeconds:0.00} s");
    }

    private static string Verdict(ContractResult c) => c.Verdict switch
    {
        ContractVerdict.Pass => "[green]pass[/]",
        ContractVerdict.NotApplicable => "[grey]n/a [/]",
        _ when c.IsViolation => "[red]FAIL[/]",
        _ => "[yellow]adv [/]",
    };
}
