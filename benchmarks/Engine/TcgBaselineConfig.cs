using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>Columns of <see cref="TcgBaselineBenchmarks"/>: the row's guest MIPS and QEMU TCG's on the same loop, measured by the host process when the summary is rendered (after every timed run).</summary>
internal sealed class TcgBaselineConfig : ManualConfig
{
    public TcgBaselineConfig()
    {
        AddJob(new Job("EngineIterations").WithIterationTime(TimeInterval.FromMilliseconds(250)).WithEvaluateOverhead(false).AsMutator());
        AddColumn(new RateColumn("MIPS", "Million guest instructions per second of this row", (summary, c) =>
        {
            var mean = summary[c]?.ResultStatistics?.Mean;
            return mean is > 0 ? TcgBaselineBenchmarks.InstructionsOf(Arch(c), Workload(c)) / (mean.Value / 1e9) / 1e6 : double.NaN;
        }));
        AddColumn(new RateColumn("QEMU MIPS", "QEMU TCG system emulation on the same loop: instructions / (process time with it − without it)",
            (_, c) => QemuBaseline.Mips(Arch(c), Workload(c))));
    }

    private static GuestArch Arch(BenchmarkCase c) => (GuestArch)c.Parameters["Arch"];

    private static TcgWorkload Workload(BenchmarkCase c) => (TcgWorkload)c.Parameters["Workload"];

    private sealed class RateColumn(string name, string legend, Func<Summary, BenchmarkCase, double> value) : IColumn
    {
        public string Id => nameof(TcgBaselineConfig) + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var v = value(summary, benchmarkCase);
            return double.IsNaN(v) ? "-" : v.ToString("N1", CultureInfo.InvariantCulture);
        }
    }
}
