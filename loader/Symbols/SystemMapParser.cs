using System.Globalization;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// Reads a System.map (<c>nm -n</c> output as scripts/mksysmap writes it: <c>ffffffff81000000 T _text</c>)
/// or a /proc/kallsyms dump, whose module symbols carry a fourth <c>[module]</c> column.
/// </summary>
public static class SystemMapParser
{
    /// <summary>Parses the whole listing; an empty or malformed one, or Debian's placeholder, is <see cref="LoaderError.InvalidSystemMap"/>.</summary>
    public static SymbolTable Parse(string text)
    {
        var symbols = new List<KernelSymbol>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
                continue;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3 && line.Contains("The real System.map is in", StringComparison.Ordinal))
                throw new LoaderException(LoaderError.InvalidSystemMap,
                    $"line {lineNumber}: this is Debian's placeholder System.map, not a symbol list (leave it out: symbols are then recovered from the kernel's kallsyms)");
            var moduleColumn = fields.Length == 4 && fields[3].StartsWith('[') && fields[3].EndsWith(']');
            if (fields.Length != 3 && !moduleColumn)
                throw new LoaderException(LoaderError.InvalidSystemMap,
                    $"line {lineNumber}: expected 'address type name', got {fields.Length} fields");
            if (!ulong.TryParse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
                throw new LoaderException(LoaderError.InvalidSystemMap, $"line {lineNumber}: address '{fields[0]}' is not hexadecimal");
            if (fields[1].Length != 1 || !char.IsAsciiLetter(fields[1][0]) && fields[1][0] != '?')
                throw new LoaderException(LoaderError.InvalidSystemMap, $"line {lineNumber}: type '{fields[1]}' is not one nm letter");
            symbols.Add(new KernelSymbol(address, fields[1][0], fields[2]));
        }
        if (symbols.Count == 0)
            throw new LoaderException(LoaderError.InvalidSystemMap, "the listing holds no symbols");
        return new SymbolTable(symbols);
    }
}
