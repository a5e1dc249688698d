using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>Managed bytes allocated per guest instruction (MemoryDiagnoser's Allocated divided by the instructions per run).</summary>
internal sealed class AllocationPerInstructionColumn : IColumn
{
    public string Id => nameof(AllocationPerInstructionColumn);
    public string ColumnName => "B/instr";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 2;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Managed bytes allocated per guest instruction";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var bytes = report?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        if (bytes is null)
            return "-";
        var instructions = EngineBenchmarkConfig.ProgramOf(benchmarkCase).Instructions;
        return ((double)bytes.Value / instructions).ToString("G3", CultureInfo.InvariantCulture);
    }
}
