using System.Diagnostics;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// A kernel's symbols for one run, recovered the first time something asks for them (an x86 boot asks before
/// it starts: the stop symbol, <c>startup_64</c>, <c>start_kernel</c>). Keeps the time spent recovering and
/// looking up, for the report's <see cref="BootPhases.Symbols"/>.
/// </summary>
internal sealed class SymbolSource : IDisposable
{
    private readonly Func<SymbolTable>? _recover;
    private readonly Stopwatch _clock = new();
    private SymbolTable? _table;
    private Task<SymbolTable>? _pending;

    /// <summary>Symbols given up front (a System.map, or a table the caller recovered).</summary>
    public SymbolSource(SymbolTable table) => _table = table;

    /// <summary>Symbols recovered by <paramref name="recover"/> when first needed.</summary>
    public SymbolSource(Func<SymbolTable> recover) => _recover = recover;

    /// <summary>
    /// Starts the recovery on the thread pool, for a caller with other work before its first lookup (a boot loading
    /// its guest), together with the index of names the first lookup by name builds (<paramref name="warm"/> is looked
    /// up): <see cref="Measure{T}"/> then waits for it. Nothing when the table is given or the host has one core, where
    /// the two would only take turns. The recovery may read the image: <see cref="Dispose"/> waits for it to end.
    /// </summary>
    public void RecoverInBackground(string warm)
    {
        if (_table is not null || _recover is not { } recover || Environment.ProcessorCount < 2)
            return;
        _pending = Task.Run(() =>
        {
            var table = recover();
            _ = table.AddressOf(warm);
            return table;
        });
    }

    /// <summary>Time spent recovering the table and in <see cref="Measure{T}"/> (with a background recovery, the time waited for it).</summary>
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
            _table ??= _pending is { } pending ? pending.GetAwaiter().GetResult() : _recover!();
            return lookup(_table);
        }
        finally
        {
            if (!outer)
                _clock.Stop();
        }
    }

    /// <summary>Waits for a background recovery still running (its outcome, error included, is of no more use).</summary>
    public void Dispose()
    {
        try
        {
            _pending?.Wait();
        }
        catch (AggregateException)
        {
        }
    }
}
