using System.Buffers.Binary;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// Guest-physical layout shared by both engines: 64 MiB of RAM, identity-mapped by 4-level paging with
/// 4 KiB pages (as a kernel runs after its early setup), code at 64 KiB, a stack below 512 KiB, copy
/// buffers at 2 and 3 MiB, and 16 MiB of pages for the paging workload.
/// </summary>
internal static class GuestLayout
{
    public const ulong MemorySize = 64UL << 20;
    public const ulong CodeBase = 0x1_0000;
    public const ulong StackTop = 0x8_0000;
    public const ulong PageTables = 0x10_0000;
    public const ulong Source = 0x20_0000;
    public const ulong Destination = 0x30_0000;
    public const int CopyBytes = 0x1_0000;
    public const ulong PagingBase = 0x100_0000;
    public const int PagingPages = 4096;

    /// <summary>
    /// PML4, PDPT, one page directory and 32 page tables (SDM Vol. 3A §4.5), placed contiguously from
    /// <see cref="PageTables"/>: entries present + writable, leaf entries already accessed and dirty.
    /// </summary>
    public static byte[] BuildPageTables()
    {
        const int tables = (int)(MemorySize >> 21);
        var bytes = new byte[(3 + tables) * 4096];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, (PageTables + 0x1000) | 3);
        BinaryPrimitives.WriteUInt64LittleEndian(span[0x1000..], (PageTables + 0x2000) | 3);
        for (var t = 0; t < tables; t++)
        {
            var table = PageTables + 0x3000 + (ulong)t * 0x1000;
            BinaryPrimitives.WriteUInt64LittleEndian(span[(0x2000 + t * 8)..], table | 3);
            for (var e = 0; e < 512; e++)
            {
                var frame = ((ulong)t << 21) | ((ulong)e << 12);
                BinaryPrimitives.WriteUInt64LittleEndian(span[(0x3000 + t * 0x1000 + e * 8)..], frame | 0x63);
            }
        }
        return bytes;
    }

    /// <summary>The bytes the copy workloads read: a simple non-zero pattern.</summary>
    public static byte[] SourcePattern()
    {
        var bytes = new byte[CopyBytes];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i * 13 + 7);
        return bytes;
    }
}
