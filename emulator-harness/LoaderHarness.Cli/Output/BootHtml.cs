using System.Text;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// <c>boot --html</c>: how the run ended, the milestones on a timeline, the guest memory map, the verdicts with
/// the sources they cite, what the kernel accepted, and its console.
/// </summary>
internal static class BootHtml
{
    public static string Write(BootReport r)
    {
        var page = new HtmlPage($"loader-harness boot: {r.Until}");
        var ok = r.Succeeded;
        page.Add($"<p class=\"summary {(ok ? "ok" : "failed")}\">{(ok ? "OK" : "FAILED")}: {(r.Reached ? $"reached {Html.Encode(r.Until)}" : $"did not reach {Html.Encode(r.Until)}")}" +
                 $" after {r.Instructions:N0} instructions, {HtmlPage.Seconds(r.WallTime)}</p>");
        var facts = new StringBuilder("<section id=\"run\"><h2>Run</h2><table class=\"facts\"><tbody>");
        void Row(string name, string? value)
        {
            if (value is not null)
                facts.Append($"<tr><th>{name}</th><td>{value}</td></tr>");
        }
        Row("architecture", JsonNames.Of(r.Architecture));
        Row("entry", JsonNames.Of(r.Protocol));
        Row("VMM profile", Html.Encode(r.Profile));
        Row("stop", $"{JsonNames.Of(r.StopReason)} at <code>{JsonNames.Hex(r.StopPc)}</code> ({Html.Encode(r.StopLocation)})");
        Row("stop detail", r.StopDetail is { } d ? Html.Encode(d) : null);
        Row("kernel loaded at", $"<code>{JsonNames.Hex(r.KernelLoad)}</code>");
        Row("boot structure at", $"<code>{JsonNames.Hex(r.BootStructureAddress)}</code>");
        Row("kernel physical (_text)", r.KernelPhysical is { } p ? $"<code>{JsonNames.Hex(p)}</code>" : null);
        Row("virtual offset", r.VirtualOffset is { } v ? $"<code>{JsonNames.Hex(v)}</code>" : null);
        Row("last console line", r.LastConsoleLine is { } l ? Html.Encode(l) : null);
        page.Add(facts.Append("</tbody></table></section>").ToString());

        page.Add("<section id=\"milestones\"><h2>Milestones</h2>");
        page.Add(TimelineSvg.Render([
            new TimelineSvg.Point("entry", 0, 0, "entry"),
            // A milestone without a measured time (arm64's boot-path symbols) says so rather than "0 s".
            .. r.Milestones.Select(m => new TimelineSvg.Point(m.Name, m.Instructions, m.Elapsed > TimeSpan.Zero ? JsonNames.Seconds(m.Elapsed) : null, JsonNames.Of(m.Kind))),
            .. r.Reached ? Array.Empty<TimelineSvg.Point>() : [new TimelineSvg.Point(JsonNames.Of(r.StopReason), r.Instructions, JsonNames.Seconds(r.WallTime), "stop")],
        ]));
        page.Add("<table><thead><tr><th>milestone</th><th>kind</th><th>pc</th><th>instructions</th><th>time</th><th>console line</th></tr></thead><tbody>");
        foreach (var m in r.Milestones)
            page.Add($"<tr><td><code>{Html.Encode(m.Name)}</code></td><td>{JsonNames.Of(m.Kind)}</td><td><code>{JsonNames.Hex(m.Address)}</code></td>" +
                     $"<td>{m.Instructions:N0}</td><td>{(m.Elapsed > TimeSpan.Zero ? HtmlPage.Seconds(m.Elapsed) : "not measured")}</td><td>{Html.Encode(m.Line)}</td></tr>");
        page.Add("</tbody></table></section>");

        if (r.Map is { } map)
            page.Add("<section id=\"memory\"><h2>Memory map</h2>").Add(HtmlPage.MemoryMap(map)).Add("</section>");
        page.Add("<section id=\"verdicts\"><h2>Verdicts</h2><label><input type=\"checkbox\" id=\"show-na\"> show contracts that do not apply</label>")
            .Add(HtmlPage.Verdicts(r.Contracts)).Add("</section>");
        if (r.Readback is { } readback)
            page.Add("<section id=\"readback\"><h2>What the kernel accepted</h2>").Add(Readback(readback)).Add("</section>");
        page.Add("<section id=\"console\"><h2>Console</h2>").Add(HtmlPage.Console(r.Console)).Add("</section>");
        page.Add(HtmlPage.Catalogue(r.Contracts.Where(c => c.Verdict != ContractVerdict.NotApplicable).Select(c => c.Contract)));
        return page.ToString();
    }

    private static string Readback(KernelReadback r)
    {
        var html = new StringBuilder("<table><tbody>");
        html.Append($"<tr><th>boot command line</th><td><code>{Html.Encode(r.BootCommandLine)}</code></td></tr>");
        if (r.X86 is { } x86)
        {
            html.Append($"<tr><th>type_of_loader</th><td><code>{JsonNames.Hex(x86.TypeOfLoader)}</code></td></tr>");
            html.Append($"<tr><th>protocol version</th><td><code>{JsonNames.Hex(x86.ProtocolVersion)}</code></td></tr>");
            html.Append($"<tr><th>ramdisk</th><td><code>{JsonNames.Hex(x86.Ramdisk.Address)}</code>, {MemoryMapSvg.Size(x86.Ramdisk.Size)}</td></tr>");
            html.Append("<tr><th>e820</th><td>" + string.Join("<br>", x86.E820.Select(e =>
                $"<code>[{JsonNames.Hex(e.Address)}, {JsonNames.Hex(e.Address + e.Size)})</code> {JsonNames.Of(e.Type)}")) + "</td></tr>");
        }
        if (r.Arm64 is { } arm64)
        {
            if (arm64.BootArgs is { } args)
                html.Append($"<tr><th>boot_args</th><td><code>{string.Join(", ", args.Select(JsonNames.Hex))}</code></td></tr>");
            if (arm64.FdtPointer is { } fdt)
                html.Append($"<tr><th>__fdt_pointer</th><td><code>{JsonNames.Hex(fdt)}</code></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }
}
