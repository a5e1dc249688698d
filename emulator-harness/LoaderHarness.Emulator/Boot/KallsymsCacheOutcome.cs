namespace LoaderHarness.Emulator.Boot;

/// <summary>What <see cref="KallsymsCache.GetOrRecover"/> did.</summary>
public enum KallsymsCacheOutcome
{
    /// <summary>Nothing asked yet.</summary>
    None,

    /// <summary>The table came from the cache file.</summary>
    Hit,

    /// <summary>No file: recovered from the image and stored.</summary>
    Miss,

    /// <summary>The file was unreadable, corrupt or another image's: recovered and the file rewritten.</summary>
    Replaced,

    /// <summary>Recovered, but the table could not be written (the directory is not writable).</summary>
    NotStored,

    /// <summary>Recovered, but the table is not one the cache can keep (decoded eagerly: kallsyms not sorted by address).</summary>
    NotCacheable,
}
