using System.Globalization;
using System.Text;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// Milestones on a timeline of executed instructions, as an SVG picture. A boot passes its first symbols after
/// tens of instructions and start_kernel after millions, so the axis is log10(1 + instructions) with a tick at
/// every power of ten; each milestone's label gives its exact count and, when measured, its time.
/// </summary>
internal static class TimelineSvg
{
    /// <summary>One point on the timeline.</summary>
    public readonly record struct Point(string Name, ulong Instructions, double? Seconds, string Kind);

    private const int Left = 30;
    private const int Right = 40;
    private const int Width = 980;
    private const int RowHeight = 15;
    private const double CharWidth = 6.2;

    /// <summary>The timeline of <paramref name="points"/> (in order), an <c>&lt;svg&gt;</c> element.</summary>
    public static string Render(IReadOnlyList<Point> points)
    {
        var max = Math.Max(10UL, points.Count == 0 ? 10 : points.Max(p => p.Instructions));
        var span = Math.Log10(1 + (double)max);
        double X(ulong n) => Left + (Width - Left - Right) * Math.Log10(1 + (double)n) / span;

        // Labels are stacked in rows above the axis: each goes into the lowest row where it does not run into
        // the label before it, so milestones a few instructions apart stay legible.
        var labels = new List<(Point Point, double X, int Row, string Text)>();
        var rowEnds = new List<double>();
        foreach (var p in points)
        {
            var x = X(p.Instructions);
            var text = $"{p.Name} {p.Instructions:N0}" + (p.Seconds is { } s ? Inv($", {s:0.######} s") : "");
            var width = text.Length * CharWidth;
            // A label that would run past the right edge ends at its point instead of starting there.
            var start = x + width > Width - 4 ? x - width : x;
            var row = rowEnds.FindIndex(end => end < start);
            if (row < 0)
            {
                row = rowEnds.Count;
                rowEnds.Add(0);
            }
            rowEnds[row] = Math.Max(x, start + width) + 8;
            labels.Add((p, start, row, text));
        }
        var axis = 24 + RowHeight * Math.Max(1, rowEnds.Count);
        var height = axis + 40;

        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"milestones\">"));
        svg.Append("<title>Milestones by instructions executed (log scale)</title>");
        svg.Append(Inv($"<line class=\"axis\" x1=\"{Left}\" y1=\"{axis}\" x2=\"{Width - Right}\" y2=\"{axis}\"/>"));
        for (ulong tick = 1; tick <= max && tick != 0; tick *= 10)
        {
            var x = X(tick);
            svg.Append(Inv($"<line class=\"tick\" x1=\"{x:0.#}\" y1=\"{axis}\" x2=\"{x:0.#}\" y2=\"{axis + 5}\"/>"));
            svg.Append(Inv($"<text class=\"tick-label\" x=\"{x:0.#}\" y=\"{axis + 18}\" text-anchor=\"middle\">{Count(tick)}</text>"));
        }
        svg.Append(Inv($"<text class=\"axis-title\" x=\"{Width - Right}\" y=\"{axis + 34}\" text-anchor=\"end\">instructions executed (log scale)</text>"));
        foreach (var (p, start, row, text) in labels)
        {
            var x = X(p.Instructions);
            var y = axis - 12 - row * RowHeight;
            var time = p.Seconds is { } s ? Inv($", {s:0.######} s") : "";
            svg.Append(Inv($"<g class=\"milestone kind-{p.Kind}\" data-name=\"{Html.Encode(p.Name)}\" data-instructions=\"{p.Instructions}\">"));
            svg.Append(Inv($"<title>{Html.Encode(p.Name)}: {p.Instructions:N0} instructions{time}</title>"));
            svg.Append(Inv($"<line class=\"leader\" x1=\"{x:0.#}\" y1=\"{axis}\" x2=\"{x:0.#}\" y2=\"{y + 3}\"/>"));
            svg.Append(Inv($"<circle cx=\"{x:0.#}\" cy=\"{axis}\" r=\"4.5\"/>"));
            svg.Append(Inv($"<text class=\"milestone-label\" x=\"{start + (start < x ? -2 : 3):0.#}\" y=\"{y}\">{Html.Encode(p.Name)} <tspan class=\"size\">{text[(p.Name.Length + 1)..]}</tspan></text>"));
            svg.Append("</g>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Count(ulong n) => n switch
    {
        >= 1_000_000_000 => Inv($"{n / 1_000_000_000}G"),
        >= 1_000_000 => Inv($"{n / 1_000_000}M"),
        >= 1_000 => Inv($"{n / 1_000}k"),
        _ => Inv($"{n}"),
    };

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
