using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Tests.Loader;

/// <summary>Snapshots of guest RAM, for asserting that a failed load left memory untouched.</summary>
internal static class GuestSnapshots
{
    /// <summary>Copies <c>[address, address + length)</c> out of guest memory.</summary>
    public static byte[] Snapshot(this GuestMemory memory, ulong address, int length)
    {
        var bytes = new byte[length];
        memory.Read(address, bytes);
        return bytes;
    }

    /// <summary>Fills a range with a recognisable pattern so an unwanted write shows up.</summary>
    public static void Scribble(this GuestMemory memory, ulong address, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i * 7 + 3);
        memory.Write(address, bytes);
    }
}
