using System.Text.Json;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// How the <c>boot</c> and <c>conform</c> JSON reports spell enum values: lowercase, words joined by '-'
/// (<c>address-reached</c>, <c>not-applicable</c>, <c>linux64</c>), as the command-line options spell them.
/// </summary>
internal static class JsonNames
{
    /// <summary>The JSON spelling of an enum value's name.</summary>
    public static string Of(string enumName) => JsonNamingPolicy.KebabCaseLower.ConvertName(enumName);

    /// <summary>The JSON spelling of <paramref name="value"/>.</summary>
    public static string Of(Enum value) => Of(value.ToString());

    /// <summary>Seconds, to the microsecond.</summary>
    public static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 6);

    /// <summary>Milliseconds, to the microsecond.</summary>
    public static double Milliseconds(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);

    /// <summary>The <c>...Hex</c> twin of a number, for humans reading the JSON.</summary>
    public static string Hex(ulong value) => $"0x{value:x}";
}
