namespace LoaderHarness.Tests.Support;

/// <summary>
/// This process's /proc/self/pagemap: one 64-bit entry per virtual page (Linux
/// Documentation/admin-guide/mm/pagemap.rst), bit 63 "page present", bit 61 "file page or shared anonymous".
/// </summary>
internal static unsafe class Pagemap
{
    public const ulong Present = 1UL << 63, FileOrShared = 1UL << 61;

    /// <summary>The entry of the 4 KiB page holding <paramref name="at"/>.</summary>
    public static ulong Entry(void* at)
    {
        using var pagemap = File.OpenHandle("/proc/self/pagemap");
        var entry = new byte[8];
        if (RandomAccess.Read(pagemap, entry, (long)((ulong)at / 4096 * 8)) != 8)
            throw new IOException("/proc/self/pagemap gave no entry");
        return BitConverter.ToUInt64(entry);
    }
}
