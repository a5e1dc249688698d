using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Paging formats of SDM Vol. 3A §4.3 (32-bit), §4.4 (PAE) and §4.5 (4-level).</summary>
public enum PagingFormat
{
    Bits32,
    Pae,
    FourLevel,
}

/// <summary>Builds page tables in guest memory, allocating table pages upward from a base address.</summary>
internal sealed class PageTableBuilder(GuestMemory memory, PagingFormat format, ulong tableArea)
{
    public const ulong Present = 1, Writable = 2, User = 4, Accessed = 0x20, Dirty = 0x40, Large = 0x80, NoExecute = 1UL << 63;

    private ulong _next = tableArea + 0x1000;

    /// <summary>CR3 value (the root table).</summary>
    public ulong Root { get; } = tableArea;

    private int EntrySize => format == PagingFormat.Bits32 ? 4 : 8;

    /// <summary>Levels from the root down to 4 KiB pages, as (shift, index bits).</summary>
    private (int Shift, int Bits)[] Levels => format switch
    {
        PagingFormat.Bits32 => [(22, 10), (12, 10)],
        PagingFormat.Pae => [(30, 2), (21, 9), (12, 9)],
        _ => [(39, 9), (30, 9), (21, 9), (12, 9)],
    };

    /// <summary>Maps one page whose size is given by <paramref name="leafShift"/> (12, 21/22 or 30).</summary>
    public ulong Map(ulong linear, ulong physical, ulong flags, int leafShift = 12)
    {
        var table = Root;
        foreach (var (shift, bits) in Levels)
        {
            var entry = table + ((linear >> shift) & ((1UL << bits) - 1)) * (ulong)EntrySize;
            if (shift == leafShift)
            {
                Write(entry, physical | flags | (shift > 12 ? Large : 0));
                return entry;
            }
            var current = Read(entry);
            if ((current & Present) == 0)
            {
                current = _next | (format == PagingFormat.Pae && shift == 30 ? Present : Present | Writable | User);
                _next += 0x1000;
                Write(entry, current);
            }
            table = current & 0x000F_FFFF_FFFF_F000;
        }
        throw new ArgumentException($"no level maps {leafShift}-bit pages");
    }

    /// <summary>Identity-maps <c>[start, end)</c> with writable 4 KiB pages.</summary>
    public void IdentityMap(ulong start, ulong end)
    {
        for (var a = start; a < end; a += 0x1000)
            Map(a, a, Present | Writable);
    }

    public ulong Read(ulong entry) => EntrySize == 4 ? memory.ReadU32(entry) : memory.ReadU64(entry);

    public void Write(ulong entry, ulong value)
    {
        if (EntrySize == 4)
            memory.WriteU32(entry, (uint)value);
        else
            memory.WriteU64(entry, value);
    }
}
