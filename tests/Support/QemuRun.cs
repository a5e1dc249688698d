namespace LoaderHarness.Tests.Support;

/// <summary>How a QEMU run ended.</summary>
internal enum QemuStop
{
    /// <summary>QEMU exited by itself (power-off, or an error: see <see cref="QemuRun.Errors"/>).</summary>
    Exited,
    /// <summary>The console printed a line that ends the boot (power-off, halt, panic); QEMU was then killed.</summary>
    FinalLine,
    /// <summary>The hard timeout passed; QEMU was killed.</summary>
    TimedOut,
}

/// <summary>What one QEMU run printed on its serial console, each line with the wall time it arrived.</summary>
/// <param name="Arguments">The QEMU command line (for failure messages).</param>
/// <param name="Lines">Console lines without line ends, with the time since QEMU started.</param>
/// <param name="Errors">QEMU's standard error.</param>
/// <param name="Stop">How the run ended.</param>
/// <param name="Elapsed">Wall time from start to the end of the run.</param>
internal sealed record QemuRun(string Arguments, IReadOnlyList<(TimeSpan At, string Line)> Lines, string Errors, QemuStop Stop, TimeSpan Elapsed)
{
    /// <summary>The console log, lines joined with "\n".</summary>
    public string Log => string.Join('\n', Lines.Select(l => l.Line));

    /// <summary>When the first line containing <paramref name="text"/> arrived, or null.</summary>
    public TimeSpan? TimeOf(string text)
    {
        foreach (var (at, line) in Lines)
        {
            if (line.Contains(text, StringComparison.Ordinal))
                return at;
        }
        return null;
    }

    /// <summary>The run for a failure message: how it ended, the command, stderr and the last console lines.</summary>
    public override string ToString() =>
        $"{Stop} after {Elapsed.TotalSeconds:F1} s: {Arguments}\n{Errors}\n... {string.Join('\n', Lines.TakeLast(15).Select(l => l.Line))}";
}
