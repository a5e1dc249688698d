namespace LoaderHarness.Tests.Support;

/// <summary>This process's /proc/self/smaps (Linux Documentation/filesystems/proc.rst): one entry per mapping.</summary>
internal static unsafe class Smaps
{
    /// <summary>The mapping's VmFlags ("hg": advised with MADV_HUGEPAGE, whatever the host's THP mode).</summary>
    public static string[] VmFlags(void* at) => Field(at, "VmFlags").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The kilobytes of the mapping backed by transparent huge pages.</summary>
    public static ulong AnonHugePagesKb(void* at) => ulong.Parse(Field(at, "AnonHugePages").Split(' ')[0]);

    /// <summary>Whether the host's transparent huge pages are on for advised mappings ("always" or "madvise").</summary>
    public static bool HugePagesOn
        => File.Exists(ThpEnabled) && !File.ReadAllText(ThpEnabled).Contains("[never]", StringComparison.Ordinal);

    private const string ThpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>A field of the entry of the mapping that holds <paramref name="at"/>.</summary>
    private static string Field(void* at, string field)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out var end))
                inside = start <= (ulong)at && (ulong)at < end;
            else if (inside && line.StartsWith(field + ":", StringComparison.Ordinal))
                return line[(field.Length + 1)..].Trim();
        }
        throw new InvalidOperationException($"no {field} for 0x{(ulong)at:x} in /proc/self/smaps");
    }
}
