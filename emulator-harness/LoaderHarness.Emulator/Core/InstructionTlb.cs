using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The instruction TLB both engines fetch through: the code pages execution went through lately, by virtual page,
/// each with the decoded-code page and host address a full fetch setup (page walk, RAM lookup, code-cache lookup)
/// found for it. Execution that moves between a few pages (a loop calling a helper in the next page, a kernel's
/// calls and returns across functions) then switches pages with one compare instead of a walk. Like a processor's
/// TLB it holds translations until a TLB flush empties it (x86: MOV to CR3/CR0/CR4, INVLPG, a CPL or mode change,
/// SDM Vol. 3A §4.10.4; arm64: TLB maintenance, translation register writes and exception level changes, Arm ARM
/// D8.13), and an entry is used only while its code page is still keyed as the fetch wants it (<see cref="CodeKey"/>),
/// so a page another alias re-keyed goes the slow way again.
/// </summary>
/// <remarks>
/// A flush empties it at once, whatever its size: each entry carries the epoch it was filled in, and a flush moves the
/// epoch. An x86 MOV to CR3 keeps global translations (SDM Vol. 3A §4.10.4.1), so an entry filled from one carries the
/// global epoch instead, which only a flush of global translations moves. Linux's <c>text_poke</c> switches CR3 twice
/// for every patch (about 17,500 times on the PVH boot to /init), and the kernel's text is global.
/// </remarks>
/// <typeparam name="TEntry">The engine's decoded instruction.</typeparam>
internal sealed unsafe class InstructionTlb<TEntry>
    where TEntry : unmanaged
{
    /// <summary>
    /// Entries, direct-mapped by the low bits of the virtual page number; a power of two. With 64 the PVH boot to /init
    /// stopped chaining compiled blocks about 440,000 times at a page the instruction TLB had lost to another one. With
    /// 1,024 the kernel's text (14 MiB, about 3,600 pages) still aliased three or four ways. 4,096 entries are 128 KiB.
    /// </summary>
    public const int Size = 4096;

    /// <summary>The bit that marks an entry's <see cref="Entry.Epoch"/> as the global epoch.</summary>
    private const ulong Global = 1UL << 63;

    private readonly Entry[] _entries = new Entry[Size];

    /// <summary>The epoch of entries filled from translations that are not global; every flush moves it.</summary>
    private ulong _epoch = 1;

    /// <summary>The epoch of entries filled from global translations (with <see cref="Global"/>); a flush that keeps them does not move it.</summary>
    private ulong _globalEpoch = Global | 1;

    /// <summary>Fetch setups served from here, for tests and measurements.</summary>
    public ulong Hits { get; private set; }

    /// <summary>Fetch setups that had to walk and then filled an entry (a lookup that misses without a walk after it, such as a chain probing ahead, is not one), for tests and measurements.</summary>
    public ulong Misses { get; private set; }

    /// <summary>The code page and host address remembered for <paramref name="virtualPage"/> under <paramref name="key"/>; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ulong virtualPage, in CodeKey key, out CodePage<TEntry> page, out byte* host)
    {
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        if (e.VirtualPage != virtualPage || !Current(in e) || e.Page!.Key != key)
        {
            page = null!;
            host = null;
            return false;
        }
        Hits++;
        page = e.Page;
        host = e.Host;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="virtualPage"/> maps to <paramref name="page"/> under <paramref name="key"/>, not counted
    /// as a hit: a compiled block that holds code of that page checks it before it runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Holds(ulong virtualPage, in CodeKey key, CodePage<TEntry> page)
    {
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        return e.VirtualPage == virtualPage && Current(in e) && ReferenceEquals(e.Page, page) && page.Key == key;
    }

    /// <summary>As <see cref="TryGet"/>, not counted as a hit or miss (a translator looking ahead, not a fetch).</summary>
    public bool TryPeek(ulong virtualPage, in CodeKey key, out CodePage<TEntry> page, out byte* host)
    {
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        if (e.VirtualPage != virtualPage || !Current(in e) || e.Page!.Key != key)
        {
            page = null!;
            host = null;
            return false;
        }
        page = e.Page;
        host = e.Host;
        return true;
    }

    /// <summary>
    /// Remembers the fetch page just set up, <paramref name="global"/> when a global translation maps it; returns the virtual
    /// page whose entry it replaced (<see cref="ulong.MaxValue"/> for none).
    /// </summary>
    public ulong Remember(ulong virtualPage, CodePage<TEntry> page, byte* host, bool global)
    {
        Misses++;
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        var evicted = Current(in e) ? e.VirtualPage : ulong.MaxValue;
        e.VirtualPage = virtualPage;
        e.Epoch = global ? _globalEpoch : _epoch;
        e.Page = page;
        e.Host = host;
        return evicted;
    }

    /// <summary>Empties it (every TLB flush does).</summary>
    public void Flush()
    {
        _epoch++;
        _globalEpoch++;
    }

    /// <summary>Empties it but for the entries of global translations (an x86 MOV to CR3).</summary>
    public void FlushKeepingGlobal() => _epoch++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Current(in Entry e) => e.Epoch == _epoch || e.Epoch == _globalEpoch;

    private struct Entry
    {
        public ulong VirtualPage;
        public ulong Epoch;
        public CodePage<TEntry>? Page;
        public byte* Host;
    }
}
