namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Names of the cache and TLB maintenance operations seen so far ("dc civac", "tlbi vmalle1"), numbered
/// so a decoded instruction carries an index instead of a string.
/// </summary>
internal static class MaintenanceRegistry
{
    private static readonly Lock Gate = new();
    private static readonly List<string> Names = [];
    private static readonly Dictionary<string, int> Ids = [];

    public static int Id(string name)
    {
        lock (Gate)
        {
            if (!Ids.TryGetValue(name, out var id))
            {
                id = Names.Count;
                Names.Add(name);
                Ids[name] = id;
            }
            return id;
        }
    }

    /// <summary>Whether operation <paramref name="id"/> is a TLBI by virtual address (VAE1, VAAE1, VALE1, VAALE1 and their EL2 and shareable forms), whose Xt names one page.</summary>
    public static bool IsTlbiByAddress(int id) => Name(id).StartsWith("tlbi va", StringComparison.Ordinal);

    public static string Name(int id)
    {
        lock (Gate)
            return Names[id];
    }
}
