using System.CommandLine.Parsing;
using System.Globalization;

namespace LoaderHarness.Cli;

/// <summary>
/// Parsers for typed options whose default errors name .NET types ("LoaderHarness.Loader.Setup.BootProtocol",
/// "System.UInt64"): these say which values the option takes instead.
/// </summary>
internal static class OptionParsers
{
    /// <summary>An enum option taking the lower-case names in <paramref name="allowed"/>.</summary>
    public static Func<ArgumentResult, T> Enum<T>(string option, params T[] allowed) where T : struct, System.Enum => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        foreach (var value in allowed)
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
                return value;
        result.AddError($"{option} '{text}': expected {string.Join(", ", allowed.Select(a => a.ToString().ToLowerInvariant()))}");
        return default;
    };

    /// <summary>A non-negative whole number, decimal or 0x hex.</summary>
    public static Func<ArgumentResult, ulong> UInt64(string option) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value.Replace("_", "") : "";
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok)
            result.AddError($"{option} '{text}': expected a whole number from 0 to {ulong.MaxValue} (decimal or 0x hex)");
        return value;
    };
}
