using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>How many times faster than the Unicorn baseline of the same workload a case runs (the inverse of Ratio).</summary>
internal sealed class UnicornSpeedupColumn : IColumn
{
    public string Id => nameof(UnicornSpeedupColumn);
    public string ColumnName => "xUnicorn";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Speed relative to Unicorn 2 on the same guest code (>1: faster than Unicorn)";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkCase? baseline = null;
        foreach (var c in summary.BenchmarksCases)
            if (c.Descriptor.Baseline && c.Descriptor.Type == benchmarkCase.Descriptor.Type
                && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo && c.Job == benchmarkCase.Job)
                baseline = c;
        var ours = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var theirs = baseline is null ? null : summary[baseline]?.ResultStatistics?.Mean;
        if (ours is not > 0 || theirs is not > 0)
            return "-";
        return (theirs.Value / ours.Value).ToString("N2", CultureInfo.InvariantCulture);
    }
}
