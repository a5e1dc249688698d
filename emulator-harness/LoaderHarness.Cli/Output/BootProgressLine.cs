using System.Globalization;
using LoaderHarness.Emulator.Boot;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// The progress of a long <c>boot</c> on stderr. On a terminal one line is rewritten in place and cleared at the
/// end, so the console echo and the report stay readable; in a file or a CI log a line is written at most every
/// <see cref="LogInterval"/> of the run, since the engine reports every 20 M instructions (tens of times a second).
/// </summary>
internal sealed class BootProgressLine(TextWriter stderr, bool terminal)
{
    /// <summary>The least run time between two lines in a log.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    private TimeSpan _nextLogLine = LogInterval;
    private int _shown;

    /// <summary>Shows one report of the engine's.</summary>
    public void Report(BootProgress p)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"boot: {p.Instructions:N0} instructions, {p.Elapsed.TotalSeconds:F1} s ({p.Phase})");
        if (terminal)
        {
            stderr.Write('\r' + text.PadRight(_shown));
            _shown = text.Length;
            return;
        }
        if (p.Elapsed < _nextLogLine)
            return;
        stderr.WriteLine(text);
        _nextLogLine = p.Elapsed + LogInterval;
    }

    /// <summary>Clears the terminal's progress line once the run has ended.</summary>
    public void Clear()
    {
        if (_shown == 0)
            return;
        stderr.Write('\r' + new string(' ', _shown) + '\r');
        _shown = 0;
    }
}
