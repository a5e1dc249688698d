using System.Diagnostics;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// A kernel's symbols for one run, recovered the first time something asks for them (an x86 boot asks before
/// it starts: the stop symbol, <c>startup_64</c>, <c>start_kernel</c>). Keeps the time spent recovering and
/// looking up, for the report's <see cref="BootPhases.Symbols"/>.
/// </summary>
internal sealed class SymbolSource
{
    private readonly Func<SymbolTable>? _recover;
    private readonly Stopwatch _clock = new();
    private SymbolTable? _table;

    /// <summary>Symbols given up front (a System.map, or a table the caller recovered).</summary>
    public SymbolSource(SymbolTable table) => _table = table;

    /// <summary>Symbols recovered by <paramref name="recover"/> when first needed.</summary>
    public SymbolSource(Func<SymbolTable> recover) => _recover = recover;

    /// <summary>Time spent recovering the table and in <see cref="Measure{T}"/>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The table, recovered now if it was not yet.</summary>
    public SymbolTable Table => Measure(t => t);

    /// <summary>Runs <paramref name="lookup"/> on the table, counting its time (and the recovery's, the first time) as symbol time.</summary>
    public T Measure<T>(Func<SymbolTable, T> lookup)
    {
        var outer = _clock.IsRunning;
        _clock.Start();
        try
        {
            _table ??= _recover!();
            return lookup(_table);
        }
        finally
        {
            if (!outer)
                _clock.Stop();
        }
    }
}
