using System.Text.RegularExpressions;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// One kind of line two VMMs' kernel logs are compared on: the first line that starts with (or, for lines printed
/// without a timestamp, contains) <paramref name="Prefix"/>, rewritten by <paramref name="Normalise"/> so that
/// what legitimately differs between the VMMs (an address, a size the kernel derives from RAM) drops out.
/// </summary>
/// <param name="What">What the line is, for the failure message.</param>
/// <param name="Prefix">How the line starts once its printk timestamp is removed.</param>
/// <param name="Normalise">What of the line is compared; the identity when all of it is.</param>
internal sealed record ComparedLine(string What, string Prefix, Func<string, string> Normalise)
{
    /// <summary>A line compared as printed.</summary>
    public static ComparedLine Exact(string what, string prefix) => new(what, prefix, l => l);
}

/// <summary>
/// Compares two kernel logs line by line on the lines both VMMs set up the same way. Each log's lines lose their
/// printk timestamp ("[    0.000000] ", kernel/printk/printk.c print_time: host time under QEMU, virtual time
/// in our engine) and line ends first.
/// </summary>
internal static partial class KernelLogComparison
{
    /// <summary>The log's lines without timestamps or "\r".</summary>
    public static IReadOnlyList<string> Lines(string log) =>
        log.Split('\n').Select(l => Timestamp().Replace(l.TrimEnd('\r'), "")).ToArray();

    /// <summary>The first line of <paramref name="lines"/> that <paramref name="rule"/> picks, normalised; null when none.</summary>
    public static string? Pick(IReadOnlyList<string> lines, ComparedLine rule)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith(rule.Prefix, StringComparison.Ordinal))
                return rule.Normalise(line);
        }
        foreach (var line in lines)
        {
            // A line user space printed can share its console line with the kernel's output: pick it from its marker on.
            var at = line.IndexOf(rule.Prefix, StringComparison.Ordinal);
            if (at > 0)
                return rule.Normalise(line[at..]);
        }
        return null;
    }

    /// <summary>
    /// The rules on which the two logs differ or on which either has no line, as "what: ours | qemu" lines; empty
    /// when they agree on every rule.
    /// </summary>
    public static IReadOnlyList<string> Differences(string ours, string qemu, IEnumerable<ComparedLine> rules)
    {
        var (ourLines, qemuLines) = (Lines(ours), Lines(qemu));
        var differences = new List<string>();
        foreach (var rule in rules)
        {
            var (a, b) = (Pick(ourLines, rule), Pick(qemuLines, rule));
            if (a is null || b is null || a != b)
                differences.Add($"{rule.What}: ours \"{a ?? "(none)"}\" | qemu \"{b ?? "(none)"}\"");
        }
        return differences;
    }

    /// <summary>
    /// "RAMDISK: [mem start-end]" (arch/x86/kernel/setup.c reserve_initrd) as its size: where each VMM puts the
    /// initrd is its own layout's choice, the page-aligned size is the initrd's.
    /// </summary>
    public static string RamdiskSize(string line) =>
        RamdiskLine().Match(line) is { Success: true } m
            ? $"RAMDISK: 0x{Convert.ToUInt64(m.Groups[2].Value, 16) - Convert.ToUInt64(m.Groups[1].Value, 16) + 1:x} bytes"
            : line;

    /// <summary>Replaces the value of <paramref name="key"/>= (up to the next space) with "*".</summary>
    public static Func<string, string> Without(string key) => line => Regex.Replace(line, $@"\b{Regex.Escape(key)}=\S*", key + "=*");

    [GeneratedRegex(@"^\[\s*\d+\.\d+\] ")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^RAMDISK: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]")]
    private static partial Regex RamdiskLine();
}
