using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The far-target cache both interpreters' chains use for control transfers into another code page (a return to the
/// caller's page, a call through a thunk, an indirect branch). Each entry remembers, for one fetch address, the code
/// page and host address the instruction TLB (<see cref="InstructionTlb{TEntry}"/>) gave and the slot the page's table
/// gave when the chain last followed a transfer there, so the next transfer costs one compare instead of an instruction
/// TLB lookup and a slot lookup. An entry is used only while neither answer can have changed: its epoch is current
/// (the engine calls <see cref="Forget"/> whenever the whole instruction TLB or the fetch key may have changed: a TLB
/// flush, a mode change), the version of its virtual page is (the engine calls <see cref="ForgetPage"/> with the page
/// an instruction TLB refill evicted), and its code page's generation is the one it saw (no write or re-keying emptied
/// the page). A hit then gives exactly what the full lookup would.
/// </summary>
/// <remarks>
/// A struct held in a field of the CPU, so that its entries live inside the CPU object and a probe loads no array
/// reference first. Create it with <c>new()</c>: the constructor starts the epoch at 1, which no cleared entry has.
/// </remarks>
/// <typeparam name="TEntry">The engine's decoded instruction.</typeparam>
internal unsafe struct FarTargets<TEntry>
    where TEntry : unmanaged
{
    /// <summary>Entries, direct-mapped by the fetch address; a power of two.</summary>
    public const int Count = 256;

    /// <summary>Versions of virtual pages, by the low bits of the page number; a power of two.</summary>
    private const int PageVersionCount = 256;

    private Entries _entries;

    /// <summary>Bumped for a virtual page when the instruction TLB drops it (and for the others sharing its version).</summary>
    private PageVersions _pageVersions;

    /// <summary>Entries of another epoch are stale; never 0 (a cleared entry's).</summary>
    private uint _epoch;

    public FarTargets() => _epoch = 1;

    /// <summary>Transfers served from here (not counted as instruction TLB hits), for tests and measurements.</summary>
    public ulong Hits { get; private set; }

    /// <summary>The slot remembered for <paramref name="address"/>, with its code page and host address; 0 on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TryGet(ulong address, out CodePage<TEntry> page, out byte* host)
    {
        ref var f = ref Of(address);
        if (f.Address != address || f.Epoch != _epoch || f.PageVersion != VersionOf(address >> 12) || f.Page!.Generation != f.Generation)
        {
            page = null!;
            host = null;
            return 0;
        }
        Hits++;
        page = f.Page;
        host = f.Host;
        return f.Slot;
    }

    /// <summary>Remembers that <paramref name="address"/> is <paramref name="slot"/> of <paramref name="page"/>, mapped at <paramref name="host"/> (a slot the chain may enter: no stop point on it).</summary>
    public void Remember(ulong address, CodePage<TEntry> page, byte* host, int slot)
    {
        ref var f = ref Of(address);
        f.Address = address;
        f.Page = page;
        f.Host = host;
        f.Epoch = _epoch;
        f.PageVersion = VersionOf(address >> 12);
        f.Generation = page.Generation;
        f.Slot = slot;
    }

    /// <summary>Makes every entry stale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forget()
    {
        if (++_epoch == 0)
        {
            ((Span<Entry>)_entries).Clear();
            _epoch = 1;
        }
    }

    /// <summary>Makes stale every entry leading into <paramref name="virtualPage"/> (none for <see cref="ulong.MaxValue"/>, an empty instruction TLB entry's).</summary>
    public void ForgetPage(ulong virtualPage)
    {
        if (virtualPage == ulong.MaxValue)
            return;
        ref var version = ref VersionOf(virtualPage);
        if (++version == 0)
            Forget(); // an entry of this epoch could have the wrapped version
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [UnscopedRef]
    private ref uint VersionOf(ulong virtualPage)
        => ref Unsafe.Add(ref Unsafe.As<PageVersions, uint>(ref _pageVersions), (int)(virtualPage & (PageVersionCount - 1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [UnscopedRef]
    private ref Entry Of(ulong address)
        => ref Unsafe.Add(ref Unsafe.As<Entries, Entry>(ref _entries), (int)((address ^ (address >> 12)) & (Count - 1)));

    [InlineArray(Count)]
    private struct Entries
    {
        private Entry _first;
    }

    [InlineArray(PageVersionCount)]
    private struct PageVersions
    {
        private uint _first;
    }

    private struct Entry
    {
        public ulong Address;
        public CodePage<TEntry>? Page;
        public byte* Host;
        public uint Epoch;
        public uint Generation;
        public uint PageVersion;
        public int Slot;
    }
}
