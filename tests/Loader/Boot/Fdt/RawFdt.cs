using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.Fdt;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

/// <summary>
/// Assembles blobs token by token, bypassing <see cref="FdtWriter"/>'s checks, so tests can feed the
/// reader structures the writer refuses to produce. Layout as DT spec v0.4 ch. 5.
/// </summary>
internal static class RawFdt
{
    public const uint BeginNode = 1;
    public const uint EndNode = 2;
    public const uint Prop = 3;
    public const uint Nop = 4;
    public const uint End = 9;

    /// <summary>A blob with an empty reservation map, the given structure words and strings block.</summary>
    public static byte[] Build(uint[] structure, string strings)
    {
        const int structOffset = FdtHeader.Size + 16;
        int stringsOffset = structOffset + (structure.Length * 4);
        byte[] blob = new byte[stringsOffset + strings.Length];
        new FdtHeader(FdtHeader.FdtMagic, (uint)blob.Length, structOffset, (uint)stringsOffset, FdtHeader.Size,
            17, 16, 0, (uint)strings.Length, (uint)(structure.Length * 4)).Write(blob);
        for (int i = 0; i < structure.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(structOffset + (i * 4)), structure[i]);
        }

        for (int i = 0; i < strings.Length; i++)
        {
            blob[stringsOffset + i] = (byte)strings[i];
        }

        return blob;
    }

    /// <summary>Overwrites the big-endian u32 at <paramref name="offset"/>.</summary>
    public static byte[] Patch(byte[] blob, int offset, uint value)
    {
        byte[] copy = (byte[])blob.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
