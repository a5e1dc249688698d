using System.Globalization;
using System.Text;
using LoaderHarness.Emulator.Contracts;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// The frame of an HTML report: one self-contained file (inline CSS and script, no fonts, images or requests
/// from the network) a CI run can keep as an artefact and a browser opens offline. Sections add HTML to it.
/// </summary>
internal sealed class HtmlPage
{
    private readonly StringBuilder _body = new();
    private readonly string _title;

    public HtmlPage(string title) => _title = title;

    /// <summary>Appends raw HTML (callers encode text with <see cref="Html.Encode"/>).</summary>
    public HtmlPage Add(string html)
    {
        _body.Append(html);
        return this;
    }

    /// <summary>The whole document.</summary>
    public override string ToString() =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
        // Nothing may load from elsewhere: the report is read offline, from a CI artefact store.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">" +
        $"<title>{Html.Encode(_title)}</title><style>{Style}</style></head><body>" +
        $"<header><h1>{Html.Encode(_title)}</h1><p class=\"generator\">loader-harness, report schema {ReportSchema.Version}</p>" +
        "<button type=\"button\" id=\"expand\">expand all</button> <button type=\"button\" id=\"collapse\">collapse all</button></header>" +
        _body + $"<script>{Script}</script></body></html>\n";

    /// <summary>A verdict badge.</summary>
    public static string Badge(string verdict) => $"<span class=\"badge {Html.Encode(verdict)}\">{Html.Encode(verdict)}</span>";

    /// <summary>The JSON spelling of a contract verdict, with advisory failures set apart from violations.</summary>
    public static string Verdict(ContractResult r) => r.Verdict switch
    {
        ContractVerdict.Pass => "pass",
        ContractVerdict.NotApplicable => "not-applicable",
        _ => r.IsViolation ? "fail" : "advisory",
    };

    /// <summary>A table of verdicts: id (linked to the catalogue), verdict, detail; not-applicable rows hidden until asked for.</summary>
    public static string Verdicts(IEnumerable<ContractResult> results)
    {
        var html = new StringBuilder("<table class=\"verdicts\"><thead><tr><th>contract</th><th>verdict</th><th>detail</th></tr></thead><tbody>");
        foreach (var r in results)
        {
            var verdict = Verdict(r);
            html.Append($"<tr class=\"{verdict}\"><td><a href=\"#contract-{Html.Encode(r.Contract.Id)}\">{Html.Encode(r.Contract.Id)}</a></td><td>{Badge(verdict)}</td><td>{Html.Encode(r.Detail)}</td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Every contract that took part, once, with what it requires and the primary source it cites.</summary>
    public static string Catalogue(IEnumerable<Contract> contracts)
    {
        var html = new StringBuilder("<section id=\"contracts\"><h2>Contracts and their sources</h2><table class=\"catalogue\"><thead><tr>" +
                                     "<th>contract</th><th>phase</th><th>severity</th><th>what must hold</th><th>source</th></tr></thead><tbody>");
        foreach (var c in contracts.DistinctBy(c => c.Id).OrderBy(c => c.Id, StringComparer.Ordinal))
            html.Append($"<tr id=\"contract-{Html.Encode(c.Id)}\"><td><code>{Html.Encode(c.Id)}</code></td><td>{JsonNames.Of(c.Phase)}</td><td>{JsonNames.Of(c.Severity)}</td>" +
                        $"<td>{Html.Encode(c.Description)}</td><td class=\"citation\"><cite>{Html.Encode(c.Source)}</cite></td></tr>");
        return html.Append("</tbody></table></section>").ToString();
    }

    /// <summary>The console transcript, or a note that the kernel printed nothing.</summary>
    public static string Console(string text) => text.Length == 0
        ? "<p class=\"empty\">The kernel printed nothing on its console.</p>"
        : $"<pre class=\"console\">{Html.Encode(text)}</pre>";

    /// <summary>The memory-map figure with its legend.</summary>
    public static string MemoryMap(Emulator.Reports.GuestMap map) =>
        "<figure class=\"map\">" + MemoryMapSvg.Render(map) +
        "<figcaption>Guest-physical memory, low addresses at the top. Each stretch between two boundaries is drawn taller " +
        "the larger it is (2 px per doubling): a 1-byte command line and gigabytes of RAM both show, and every label and hover gives the exact range.</figcaption></figure>";

    /// <summary>Seconds for people.</summary>
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    private const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1400px;padding:0 24px 48px;color:#1d2330;background:#fbfbfd}
        header{border-bottom:1px solid #d7dbe4;margin-bottom:16px}h1{font-size:22px;margin:18px 0 2px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
        .generator{color:#667085;margin:0 0 8px}button{font:inherit;margin:0 4px 10px 0;padding:2px 10px;border:1px solid #c5cad6;border-radius:4px;background:#fff;cursor:pointer}
        table{border-collapse:collapse;margin:6px 0 12px;background:#fff}th,td{border:1px solid #e1e4ea;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f1f3f7;font-weight:600}
        code,pre,.address{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
        .badge{display:inline-block;min-width:48px;text-align:center;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;background:#8a94a6}
        .badge.pass,.badge.conforms,.badge.caught{background:#1f8a4c}.badge.fail,.badge.missed{background:#c62828}.badge.advisory{background:#b7791f}.badge.not-applicable{background:#a0a8b8}
        table.verdicts tr.not-applicable{display:none}.show-na table.verdicts tr.not-applicable{display:table-row;color:#8a94a6}
        .matrix td.cell{text-align:center}.matrix td.none{background:#f4f5f8}.summary{font-size:16px;font-weight:600}.summary.ok{color:#1f8a4c}.summary.failed{color:#c62828}
        details{border:1px solid #e1e4ea;border-radius:6px;margin:6px 0;background:#fff}details>summary{cursor:pointer;padding:6px 10px;font-weight:600}details>div{padding:0 12px 12px}
        pre.console{background:#111827;color:#e5e7eb;padding:10px;max-height:480px;overflow:auto;white-space:pre-wrap;border-radius:4px}
        .citation{color:#344054;font-size:12px}figure{margin:8px 0}figcaption{color:#667085;font-size:12px;max-width:900px}
        svg text{font:11px system-ui,sans-serif;fill:#1d2330}svg .address,svg .tick-label{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:10.5px;fill:#475467}
        svg .column-title{font-weight:600;font-size:12px}svg .tick{stroke:#d0d5dd;stroke-width:1}svg .axis{stroke:#475467;stroke-width:1.5}svg .leader{stroke:#98a2b3;fill:none}
        svg .area rect{stroke:#fff;stroke-width:1}svg .area:hover rect{stroke:#111;stroke-width:2}svg .size{fill:#667085}svg .area-label{fill:#1d2330}
        .kind-ram rect,.kind-map-ram rect{fill:#cfe8d5}svg .kind-mmio-gap rect{fill:#eceff3;stroke:#98a2b3;stroke-dasharray:4 3}.kind-map-reserved rect{fill:#f6d8b8}
        .kind-kernel rect{fill:#7aa7e8}.kind-initrd rect{fill:#b59be6}.kind-command-line rect{fill:#f2c94c}.kind-boot-structure rect{fill:#ef8d7a}
        .kind-page-tables rect{fill:#5cc0b5}.kind-stack rect{fill:#e48bc0}.kind-other rect{fill:#b8c0cc}
        .milestone circle{fill:#3563c9;stroke:#fff;stroke-width:1.5}.milestone.kind-stop circle{fill:#c62828}.milestone.kind-entry circle{fill:#1f8a4c}
        """;

    private const string Script = """
        for (const [id, open] of [["expand", true], ["collapse", false]])
          document.getElementById(id).addEventListener("click", () => document.querySelectorAll("details").forEach(d => d.open = open));
        const na = document.getElementById("show-na");
        if (na) na.addEventListener("change", () => document.body.classList.toggle("show-na", na.checked));
        if (location.hash.startsWith("#case-")) { const d = document.querySelector(location.hash); if (d) d.open = true; }
        """;
}
