using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>The two range checks every linux-loader configurator makes, in its order.</summary>
internal static class ConfiguratorRanges
{
    /// <summary>
    /// linux-loader's "past RAM end" check, vm-memory <c>checked_offset(start, len)</c>: the address just past the
    /// structure must itself be guest memory (so a structure may not end exactly at the last byte of RAM).
    /// </summary>
    public static bool EndsInRam(GuestMemory memory, ulong start, int length)
    {
        var end = start + (ulong)length;
        return end >= start && memory.IsRam(end, 1);
    }

    /// <summary>Whether writing <paramref name="length"/> bytes at <paramref name="start"/> succeeds: every byte is RAM (vm-memory <c>write_slice</c>).</summary>
    public static bool Writable(GuestMemory memory, ulong start, int length) => length == 0 || memory.IsRam(start, (ulong)length);
}
