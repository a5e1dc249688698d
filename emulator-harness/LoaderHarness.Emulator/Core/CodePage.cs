using System.Runtime.CompilerServices;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The architecture-neutral part of a page of decoded code (<see cref="CodePage{TEntry}"/>): which page
/// offset starts which entry, which bytes decoded entries came from, and a generation that changes whenever
/// the page is emptied. A write to any byte an entry came from empties the page.
/// </summary>
/// <remarks>
/// The slots and the entries live in one host reservation sized for the most entries a page can hold (one per byte),
/// which the OS backs only as far as entries were written, in batches a little ahead of them (<see cref="Back"/>).
/// Entries never move: no array grows by copying as a page fills, a reference to an entry stays valid however many are
/// added after it, and the GC neither zeroes nor copies them (the PVH boot to the first console line made 4,875 page
/// faults instead of 5,450 when entry arrays grew by doubling and were compacted, and a fresh page's first touch costs
/// microseconds).
/// </remarks>
internal abstract unsafe class CodePage
{
    /// <summary>Byte offsets in a page, each of which may start an entry.</summary>
    private const int Offsets = 4096;

    /// <summary>The most entries a page can hold: one per byte offset, and the unused slot 0.</summary>
    protected const int Capacity = Offsets + 1;

    private readonly byte* _memory;
    private readonly ulong _size;
    private readonly int _entrySize;

    /// <summary>How many bytes from <see cref="_memory"/> are backed (<see cref="Back"/>).</summary>
    private ulong _backed;

    /// <summary>Reserves the slots and room for <see cref="Capacity"/> entries of <paramref name="entrySize"/> bytes after them.</summary>
    protected CodePage(int entrySize)
    {
        _size = (ulong)(Offsets * sizeof(ushort) + Capacity * entrySize);
        _entrySize = entrySize;
        _memory = HostPages.Reserve(_size, "decoded code");
    }

    ~CodePage() => HostPages.Release(_memory, _size);

    /// <summary>Slot of the entry starting at each page offset; 0 = not decoded.</summary>
    public Span<ushort> Slots => new(_memory, Offsets);

    /// <summary>Slot of the entry starting at <paramref name="address"/>'s page offset (its low 12 bits); 0 = not decoded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SlotAt(ulong address) => ((ushort*)_memory)[address & (Offsets - 1)];

    /// <summary>The first entry's byte (slot 0), after the slots.</summary>
    protected byte* EntryMemory => _memory + Offsets * sizeof(ushort);

    /// <summary>One bit per byte of the page that belongs to a decoded entry.</summary>
    private readonly ulong[] _covered = new ulong[64];

    /// <summary>Slots in use plus one (slot 0 means "none").</summary>
    public int Count { get; private set; } = 1;

    /// <summary>What the entries were decoded under.</summary>
    public CodeKey Key { get; private set; } = CodeKey.None;

    /// <summary>Bumped by every <see cref="Reset"/>, so a slot number remembered across instructions can be checked for staleness.</summary>
    public uint Generation { get; private set; }

    /// <summary>Makes the page empty and re-keys it. Entries are left in place (an instruction whose write emptied its own page finishes with its own operands) and cleared when their slot is reused.</summary>
    public void Reset(in CodeKey key)
    {
        if (Count > 1)
        {
            Slots.Clear();
            Array.Clear(_covered);
        }
        Count = 1;
        Generation++;
        Key = key;
    }

    /// <summary>Whether any byte of <c>[offset, offset + length)</c> belongs to a decoded entry.</summary>
    public bool Overlaps(int offset, int length)
    {
        var end = Math.Min(offset + length, Offsets);
        for (var b = offset; b < end;)
        {
            var n = Math.Min(64 - (b & 63), end - b);
            if ((_covered[b >> 6] & Bits(b, n)) != 0)
                return true;
            b += n;
        }
        return false;
    }

    /// <summary><paramref name="count"/> (1–64) one bits from bit <c>start % 64</c> of a word.</summary>
    private static ulong Bits(int start, int count) => (count == 64 ? ulong.MaxValue : (1UL << count) - 1) << (start & 63);

    /// <summary>Claims the next slot for an entry at <paramref name="offset"/> decoded from <paramref name="length"/> bytes.</summary>
    protected int Claim(int offset, int length)
    {
        var slot = Count++;
        var end = (ulong)(Offsets * sizeof(ushort) + (slot + 1) * _entrySize);
        if (end > _backed)
            Back(end);
        Slots[offset] = (ushort)slot;
        Cover(offset, length);
        return slot;
    }

    /// <summary>
    /// Backs the reservation up to at least <paramref name="end"/> in one call, ahead of the entries that will be written
    /// there: as much again as is backed, up to 64 KiB (so at most about as much as the page holds), rounded to pages.
    /// Each fresh page had been a fault of its own at its first entry's write (about 10,000 of them on the PVH boot
    /// to /init), and a fault costs about twice what populating a page costs in a batch.
    /// </summary>
    private void Back(ulong end)
    {
        const ulong most = 64 << 10;
        var to = Math.Min(_size, (Math.Max(end, _backed + Math.Clamp(_backed, 4096, most)) + 4095) & ~4095UL);
        HostPages.PopulateWritable(_memory + _backed, to - _backed);
        _backed = to;
    }

    /// <summary>
    /// Marks <c>[offset, offset + length)</c> as code without an entry: the bytes of an instruction that straddles into
    /// or out of this page, held by a compiled block, so that a write to them empties the page (and drops the block).
    /// </summary>
    public void Cover(int offset, int length)
    {
        var end = Math.Min(offset + length, Offsets);
        for (var b = offset; b < end;)
        {
            var n = Math.Min(64 - (b & 63), end - b);
            _covered[b >> 6] |= Bits(b, n);
            b += n;
        }
    }
}
