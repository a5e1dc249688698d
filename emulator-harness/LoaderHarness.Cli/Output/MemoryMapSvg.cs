using System.Globalization;
using System.Text;
using LoaderHarness.Emulator.Reports;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// A guest memory map as an SVG picture: three columns (RAM and the MMIO gaps; the memory map the kernel was
/// given; what was placed), low addresses at the top. A boot's areas range from a 1-byte command line to
/// gigabytes of RAM, so the vertical scale is logarithmic per stretch: every stretch between two area
/// boundaries is drawn <see cref="StretchHeight"/> tall, growing with log2 of its size. Labels and hover
/// titles print exact addresses and sizes, so the picture orders sizes truly and the numbers are honest.
/// </summary>
internal static class MemoryMapSvg
{
    private const int AddressWidth = 150;
    private const int ColumnWidth = 120;
    private const int ColumnGap = 14;
    private const int LabelGap = 28;
    private const int LabelWidth = 330;
    private const int Top = 34;
    private const int LineHeight = 13;

    private static readonly (string Title, Func<GuestMap, IReadOnlyList<GuestMapArea>> Areas)[] Columns =
    [
        ("address space", m => m.AddressSpace),
        ("memory map", m => m.MemoryMap),
        ("placed", m => m.Placed),
    ];

    /// <summary>The picture of <paramref name="map"/>, an <c>&lt;svg&gt;</c> element.</summary>
    public static string Render(GuestMap map)
    {
        var all = Columns.SelectMany(c => c.Areas(map)).Where(a => a.Size > 0).ToList();
        var bounds = all.SelectMany(a => new[] { a.Address, a.End }).Distinct().Order().ToArray();
        var y = new Dictionary<ulong, double>();
        var at = (double)Top;
        for (var i = 0; i < bounds.Length; i++)
        {
            y[bounds[i]] = at;
            if (i + 1 < bounds.Length)
                at += StretchHeight(bounds[i + 1] - bounds[i]);
        }
        var height = (int)at + 16;
        var placedX = AddressWidth + 2 * (ColumnWidth + ColumnGap);
        var width = placedX + ColumnWidth + LabelGap + LabelWidth;

        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"memory-map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"guest memory map\">"));
        svg.Append("<title>Guest-physical memory, low addresses at the top; log scale per stretch, sizes as labelled</title>");
        for (var c = 0; c < Columns.Length; c++)
        {
            var x = AddressWidth + c * (ColumnWidth + ColumnGap);
            svg.Append(Inv($"<text class=\"column-title\" x=\"{x + ColumnWidth / 2}\" y=\"{Top - 12}\" text-anchor=\"middle\">{Columns[c].Title}</text>"));
            foreach (var area in Columns[c].Areas(map).Where(a => a.Size > 0))
                Area(svg, area, x, y[area.Address], y[area.End], inlineLabel: c < 2);
        }
        AddressAxis(svg, bounds, y);
        PlacedLabels(svg, map.Placed.Where(a => a.Size > 0).ToList(), y, placedX + ColumnWidth);
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>Pixels for a stretch of <paramref name="size"/> bytes: 12 for a byte, about 40 for 4 KiB, 70 for 1 GiB.</summary>
    public static double StretchHeight(ulong size) => 12 + 2 * Math.Log2(Math.Max(1, size));

    private static void Area(StringBuilder svg, GuestMapArea area, int x, double top, double bottom, bool inlineLabel)
    {
        var kind = JsonNames.Of(area.Kind);
        var h = Math.Max(1, bottom - top);
        svg.Append(Inv($"<g class=\"area kind-{kind}\" data-kind=\"{kind}\" data-name=\"{Html.Encode(area.Name)}\" data-address=\"{JsonNames.Hex(area.Address)}\" data-size=\"{area.Size}\">"));
        svg.Append(Inv($"<title>{Html.Encode(area.Name)}: [{JsonNames.Hex(area.Address)}, {JsonNames.Hex(area.End)}), {Size(area.Size)}</title>"));
        svg.Append(Inv($"<rect x=\"{x}\" y=\"{top:0.#}\" width=\"{ColumnWidth}\" height=\"{h:0.#}\" rx=\"2\"/>"));
        if (inlineLabel && h >= LineHeight)
        {
            var text = h >= 2 * LineHeight ? $"<tspan x=\"{x + ColumnWidth / 2}\" dy=\"-0.6em\">{Html.Encode(area.Name)}</tspan><tspan x=\"{x + ColumnWidth / 2}\" dy=\"1.2em\">{Size(area.Size)}</tspan>" : Html.Encode(area.Name);
            svg.Append(Inv($"<text class=\"area-label\" x=\"{x + ColumnWidth / 2}\" y=\"{(top + bottom) / 2 + 4:0.#}\" text-anchor=\"middle\">{text}</text>"));
        }
        svg.Append("</g>");
    }

    /// <summary>Every boundary's address at the left, pushed down where two would overlap.</summary>
    private static void AddressAxis(StringBuilder svg, ulong[] bounds, Dictionary<ulong, double> y)
    {
        var last = double.MinValue;
        foreach (var b in bounds)
        {
            var at = Math.Max(y[b] + 4, last + LineHeight - 1);
            last = at;
            svg.Append(Inv($"<line class=\"tick\" x1=\"{AddressWidth - 8}\" y1=\"{y[b]:0.#}\" x2=\"{AddressWidth + 3 * ColumnWidth + 2 * ColumnGap}\" y2=\"{y[b]:0.#}\"/>"));
            svg.Append(Inv($"<text class=\"address\" x=\"{AddressWidth - 12}\" y=\"{at:0.#}\" text-anchor=\"end\">{JsonNames.Hex(b)}</text>"));
        }
    }

    /// <summary>A label for every placed area to the right of the column, joined to its box by a leader line.</summary>
    private static void PlacedLabels(StringBuilder svg, List<GuestMapArea> placed, Dictionary<ulong, double> y, int x)
    {
        var last = double.MinValue;
        foreach (var area in placed)
        {
            var middle = (y[area.Address] + y[area.End]) / 2;
            var at = Math.Max(middle, last + LineHeight + 1);
            last = at;
            var kind = JsonNames.Of(area.Kind);
            svg.Append(Inv($"<g class=\"placed-label kind-{kind}\" data-name=\"{Html.Encode(area.Name)}\">"));
            svg.Append(Inv($"<path class=\"leader\" d=\"M{x} {middle:0.#} L{x + LabelGap - 6} {at:0.#}\"/>"));
            svg.Append(Inv($"<text class=\"label\" x=\"{x + LabelGap}\" y=\"{at + 4:0.#}\">{Html.Encode(area.Name)} <tspan class=\"size\">{Size(area.Size)} at {JsonNames.Hex(area.Address)}</tspan></text>"));
            svg.Append("</g>");
        }
    }

    /// <summary>
    /// A size as a human reads it, never rounded silently: the largest unit (bytes, KiB, MiB, GiB, TiB) in which it
    /// is exact to two decimals (3071 MiB, not 3 GiB); a size exact in none but bytes gets its largest unit and "~".
    /// </summary>
    public static string Size(ulong bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        var largest = 0;
        while (largest < units.Length - 1 && bytes >> (10 * (largest + 1)) > 0)
            largest++;
        for (var unit = largest; unit > 0; unit--)
        {
            var hundredths = (UInt128)bytes * 100;
            var divisor = (UInt128)1 << (10 * unit);
            if (hundredths % divisor == 0)
                return Inv($"{(double)bytes / (1UL << (10 * unit)):0.##} {units[unit]}");
        }
        return largest == 0 ? Inv($"{bytes} bytes") : Inv($"~{(double)bytes / (1UL << (10 * largest)):0.##} {units[largest]}");
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
