using System.Text;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// <c>conform --html</c>: the case matrix (kernel and entry by VMM profile), the mutants, then every case with its
/// memory map, run, verdicts and console, and the contracts with the sources they cite.
/// </summary>
internal static class ConformHtml
{
    public static string Write(ConformanceResult result)
    {
        var page = new HtmlPage("loader-harness conform");
        var conforming = result.Cases.Count(c => c.Conforms);
        var caught = result.Mutants.Count(m => m.Caught);
        page.Add($"<p class=\"summary {(result.Success ? "ok" : "failed")}\">{(result.Success ? "OK" : "FAILED")}: {conforming}/{result.Cases.Count} cases conform" +
                 (result.Mutants.Count > 0 ? $", {caught}/{result.Mutants.Count} mutants caught" : "") + $", {HtmlPage.Seconds(result.Elapsed)}</p>");
        page.Add(Matrix(result.Cases));
        if (result.Mutants.Count > 0)
            page.Add(Mutants(result.Mutants));
        page.Add("<section id=\"cases\"><h2>Cases</h2><label><input type=\"checkbox\" id=\"show-na\"> show contracts that do not apply</label>");
        for (var i = 0; i < result.Cases.Count; i++)
            page.Add(Case(result.Cases[i], i));
        page.Add("</section>");
        page.Add(HtmlPage.Catalogue(result.Cases.SelectMany(c => c.Results).Select(r => r.Contract)));
        return page.ToString();
    }

    /// <summary>Rows: kernel and entry; columns: VMM profiles; cells: the verdict, linked to the case.</summary>
    private static string Matrix(IReadOnlyList<CaseReport> cases)
    {
        var profiles = cases.Select(c => c.Case.Profile.Name).Distinct().ToList();
        var html = new StringBuilder("<section id=\"matrix\"><h2>Case matrix</h2><table class=\"matrix\"><thead><tr><th>kernel</th><th>entry</th>");
        foreach (var p in profiles)
            html.Append($"<th>{Html.Encode(p)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in cases.Select((c, i) => (c, i)).GroupBy(x => (x.c.Case.Kernel, x.c.Case.Protocol)))
        {
            html.Append($"<tr><td><code>{Html.Encode(row.Key.Kernel)}</code></td><td>{JsonNames.Of(row.Key.Protocol)}</td>");
            foreach (var p in profiles)
            {
                var hit = row.FirstOrDefault(x => x.c.Case.Profile.Name == p);
                if (hit.c is null)
                {
                    html.Append("<td class=\"cell none\" title=\"the profile does not offer this entry\">–</td>");
                    continue;
                }
                var verdict = hit.c.Conforms ? "pass" : "fail";
                var stop = hit.c.Run is { } run ? $"{JsonNames.Of(run.Reason)} after {run.Instructions:N0} instructions" : hit.c.SetupError ?? "";
                html.Append($"<td class=\"cell {verdict}\" title=\"{Html.Encode(stop)}\"><a href=\"#case-{hit.i}\">{HtmlPage.Badge(verdict)}</a></td>");
            }
            html.Append("</tr>");
        }
        return html.Append("</tbody></table></section>").ToString();
    }

    private static string Mutants(IReadOnlyList<MutantReport> mutants)
    {
        var html = new StringBuilder("<section id=\"mutants\"><h2>Mutants (seeded faults)</h2><table><thead><tr><th>mutant</th><th>fault</th><th>cases</th><th>caught by</th><th>verdict</th></tr></thead><tbody>");
        foreach (var m in mutants)
        {
            var verdict = m.Caught ? "caught" : "missed";
            var by = string.Join(", ", m.CaughtBy.Select(id => $"<a href=\"#contract-{Html.Encode(id)}\">{Html.Encode(id)}</a>"));
            html.Append($"<tr><td><code>{Html.Encode(m.Mutant.Id)}</code></td><td>{Html.Encode(m.Mutant.Description)}</td><td>{m.Runs.Count}</td><td>{by}</td><td>{HtmlPage.Badge(verdict)}</td></tr>");
        }
        return html.Append("</tbody></table></section>").ToString();
    }

    private static string Case(CaseReport r, int index)
    {
        var verdict = r.Conforms ? "pass" : "fail";
        var html = new StringBuilder($"<details id=\"case-{index}\" class=\"case {verdict}\"{(r.Conforms ? "" : " open")}><summary>{HtmlPage.Badge(verdict)} {Html.Encode(r.Name)}</summary><div>");
        if (r.SetupError is { } error)
            html.Append($"<p class=\"setup-error\">The loader refused the guest: {Html.Encode(error)}</p>");
        if (r.Run is { } run)
        {
            html.Append($"<p>Stopped: <b>{JsonNames.Of(run.Reason)}</b> at <code>{JsonNames.Hex(run.Pc)}</code> after {run.Instructions:N0} instructions, {HtmlPage.Seconds(r.Elapsed)} with setup and checks.</p>");
            html.Append(TimelineSvg.Render(
            [
                new TimelineSvg.Point("entry", 0, null, "entry"),
                new TimelineSvg.Point(JsonNames.Of(run.Reason), run.Instructions, null, "stop"),
            ]));
        }
        if (r.Map is { } map)
            html.Append("<h3>Memory map</h3>").Append(HtmlPage.MemoryMap(map));
        var applied = r.Results.Count(c => c.Verdict != ContractVerdict.NotApplicable);
        html.Append($"<h3>Contracts ({applied} applied, {r.Results.Count - applied} not applicable)</h3>").Append(HtmlPage.Verdicts(r.Results));
        html.Append("<h3>Console</h3>").Append(HtmlPage.Console(r.Console));
        return html.Append("</div></details>").ToString();
    }
}
