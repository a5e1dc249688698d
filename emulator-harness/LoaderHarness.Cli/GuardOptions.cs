using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace LoaderHarness.Cli;

/// <summary>
/// <c>--timeout</c> and <c>--max-host-memory</c>, shared by the commands that run guest code: the host's safety
/// net, so a harness run in CI can never hang a pipeline or take the machine's memory.
/// </summary>
internal static class GuardOptions
{
    /// <summary>The wall-clock limit of a run.</summary>
    public static Option<TimeSpan?> Timeout(string what) => new("--timeout")
    {
        Description = $"Wall-clock limit of {what} (e.g. 30s, 5m, 1500ms; a plain number is seconds). Past it the run stops with stop reason timeout, " +
            "the report is still written and the exit code is 1.",
        HelpName = "duration",
        CustomParser = ParseDuration,
    };

    /// <summary>The cap on the process's resident memory during a run.</summary>
    public static Option<string?> MaxHostMemory(string what) => new("--max-host-memory")
    {
        Description = $"Cap on this process's resident memory during {what}, guest RAM included (e.g. 2G). Past it the run stops with stop reason " +
            "host-memory-limit, the report is still written and the exit code is 1; a cap below the guest RAM (--mem) is bad input (exit 2).",
        HelpName = "size",
    };

    /// <summary>The cap in bytes, checked against the guest RAM it must hold; null when not given.</summary>
    public static long? Cap(string? text, ulong guestRam)
    {
        if (text is null)
            return null;
        var cap = SizeParser.Parse(text);
        if (cap < guestRam)
            throw new UsageException(UsageError.BadOption, $"--max-host-memory {text}: below the guest RAM of {guestRam >> 20} MiB (--mem), which the run needs");
        return cap > long.MaxValue ? long.MaxValue : (long)cap;
    }

    /// <summary>A positive duration: a number with ms, s, m or h, or a plain number of seconds.</summary>
    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value.Trim() : "";
        var (digits, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0 || value * unit > 86_400 * 365)
        {
            result.AddError($"--timeout '{text}': expected a positive duration such as 30s, 5m, 1500ms or 2.5 (seconds)");
            return null;
        }
        return TimeSpan.FromSeconds(value * unit);
    }
}
