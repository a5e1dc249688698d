using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Cmdline;

/// <summary>
/// The character rules linux-loader applies to command-line pieces (src/cmdline/mod.rs: valid_char,
/// valid_str, valid_key, valid_value, is_quoted, contains_double_quotes), in the same order, so the
/// same bad input fails with the same code.
/// </summary>
internal static class CmdlineRules
{
    /// <summary>Printable ASCII, space included (linux-loader valid_char: ' '..='~').</summary>
    public static bool IsPrintable(char c) => c is >= ' ' and <= '~';

    /// <summary>Throws <see cref="LoaderError.InvalidAscii"/> unless every char is printable ASCII.</summary>
    public static void CheckPrintable(string s, string what)
    {
        for (var i = 0; i < s.Length; i++)
            if (!IsPrintable(s[i]))
                throw new LoaderException(LoaderError.InvalidAscii,
                    $"{what} has U+{(int)s[i]:X4} at index {i}: only printable ASCII (0x20..0x7E) is allowed");
    }

    /// <summary>A key: printable ASCII, no space, no '=' (linux-loader valid_key).</summary>
    public static void CheckKey(string key)
    {
        CheckPrintable(key, $"key \"{key}\"");
        if (key.Contains(' '))
            throw new LoaderException(LoaderError.HasSpace, $"key \"{key}\" contains a space");
        if (key.Contains('='))
            throw new LoaderException(LoaderError.HasEquals, $"key \"{key}\" contains '='");
    }

    /// <summary>
    /// A value: printable ASCII; a double quote only as its first or last char; spaces only when the whole
    /// value is quoted (linux-loader valid_value).
    /// </summary>
    public static void CheckValue(string key, string value)
    {
        CheckPrintable(value, $"value of \"{key}\"");
        if (value.Length >= 3 && value.AsSpan(1, value.Length - 2).Contains('"'))
            throw new LoaderException(LoaderError.InvalidQuote,
                $"value of \"{key}\" has a double quote inside it; quotes may only surround the whole value");
        if (value.Contains(' ') && !IsQuoted(value))
            throw new LoaderException(LoaderError.NoQuoteSpace,
                $"value of \"{key}\" contains a space but is not surrounded by double quotes");
    }

    private static bool IsQuoted(string s) => s.Length >= 2 && s[0] == '"' && s[^1] == '"';
}
