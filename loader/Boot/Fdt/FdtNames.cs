using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>Node and property name rules of DT spec v0.4 §2.2.1 and §2.2.4.</summary>
internal static class FdtNames
{
    /// <summary>§2.2.1 and §2.2.4 both cap a name (node-name part / property name) at 31 characters.</summary>
    public const int MaxNameLength = 31;

    /// <summary>
    /// Checks <c>node-name[@unit-address]</c>: node-name 1–31 characters of Table 2.1
    /// (<c>0-9 a-z A-Z , . _ + -</c>) starting with a letter; a unit address, if present, is non-empty,
    /// uses the same characters and holds no second '@'.
    /// </summary>
    public static void ValidateNodeName(string name)
    {
        int at = name.IndexOf('@', StringComparison.Ordinal);
        string baseName = at < 0 ? name : name[..at];
        if (baseName.Length is 0 or > MaxNameLength || !char.IsAsciiLetter(baseName[0]))
        {
            throw Invalid($"node name '{name}': node-name must be 1-{MaxNameLength} characters starting with a letter (DT spec v0.4 §2.2.1)");
        }

        for (int i = 0; i < name.Length; i++)
        {
            // A second '@' fails here too: it is not in Table 2.1.
            if (i != at && !IsNodeNameChar(name[i]))
            {
                throw Invalid($"node name '{name}': character '{name[i]}' is not allowed (DT spec v0.4 §2.2.1, Table 2.1)");
            }
        }

        if (at == name.Length - 1)
        {
            throw Invalid($"node name '{name}': '@' must be followed by a unit address (DT spec v0.4 §2.2.1)");
        }
    }

    /// <summary>Checks a property name: 1–31 characters of Table 2.2 (<c>0-9 a-z A-Z , . _ + ? # -</c>).</summary>
    public static void ValidatePropertyName(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            throw Invalid($"property name '{name}' must be 1-{MaxNameLength} characters (DT spec v0.4 §2.2.4)");
        }

        foreach (char c in name)
        {
            if (!IsNodeNameChar(c) && c is not '?' and not '#')
            {
                throw Invalid($"property name '{name}': character '{c}' is not allowed (DT spec v0.4 §2.2.4, Table 2.2)");
            }
        }
    }

    private static bool IsNodeNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is ',' or '.' or '_' or '+' or '-';

    private static LoaderException Invalid(string message) => new(LoaderError.InvalidDeviceTree, message);
}
