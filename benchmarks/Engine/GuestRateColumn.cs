using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>Guest work per second of a benchmark case: million instructions (MIPS) or megabytes copied (MB/s).</summary>
internal sealed class GuestRateColumn : IColumn
{
    private readonly Func<GuestProgram, ulong> _amount;
    private readonly double _unit;

    private GuestRateColumn(string name, Func<GuestProgram, ulong> amount, double unit, string legend)
    {
        ColumnName = name;
        _amount = amount;
        _unit = unit;
        Legend = legend;
    }

    /// <summary>Guest instructions retired (as this engine counts them) per second, in millions.</summary>
    public static GuestRateColumn Mips { get; } = new("MIPS", p => p.Instructions, 1e6, "Million guest instructions per second (REP MOVSB counts once)");

    /// <summary>Guest bytes copied per second, in MB (10^6).</summary>
    public static GuestRateColumn MegabytesPerSecond { get; } = new("MB/s", p => p.BytesCopied, 1e6, "Guest bytes copied per second, in 10^6");

    public string Id => nameof(GuestRateColumn) + ColumnName;
    public string ColumnName { get; }
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend { get; }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var amount = _amount(EngineBenchmarkConfig.ProgramOf(benchmarkCase));
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (amount == 0 || mean is not > 0)
            return "-";
        return (amount / (mean.Value / 1e9) / _unit).ToString("N1", CultureInfo.InvariantCulture);
    }
}
