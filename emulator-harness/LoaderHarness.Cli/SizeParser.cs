using System.Globalization;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Cli;

/// <summary>Parses sizes like "512M", "1G", "64G", "0x4000000" or a plain byte count.</summary>
internal static class SizeParser
{
    public static ulong Parse(string text)
    {
        var t = text.Trim();
        var shift = char.ToUpperInvariant(t.Length > 0 ? t[^1] : ' ') switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        var digits = shift == 0 ? t : t[..^1];
        var ok = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok || value == 0 || value > ulong.MaxValue >> shift)
            throw new LoaderException(LoaderError.InvalidMemoryLayout, $"'{text}' is not a size (examples: 512M, 1G, 0x40000000)");
        return value << shift;
    }
}
