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
/// <typeparam name="TEntry">The engine's decoded instruction.</typeparam>
internal sealed unsafe class InstructionTlb<TEntry>
    where TEntry : unmanaged
{
    /// <summary>Entries, direct-mapped by the low bits of the virtual page number; a power of two.</summary>
    public const int Size = 64;

    private readonly Entry[] _entries = new Entry[Size];

    public InstructionTlb() => Flush();

    /// <summary>Fetch setups served from here, for tests and measurements.</summary>
    public ulong Hits { get; private set; }

    /// <summary>Fetch setups that had to walk and then filled an entry (a lookup that misses without a walk after it, such as a chain probing ahead, is not one), for tests and measurements.</summary>
    public ulong Misses { get; private set; }

    /// <summary>The code page and host address remembered for <paramref name="virtualPage"/> under <paramref name="key"/>; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ulong virtualPage, in CodeKey key, out CodePage<TEntry> page, out byte* host)
    {
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        if (e.VirtualPage != virtualPage || e.Page!.Key != key)
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
        return e.VirtualPage == virtualPage && ReferenceEquals(e.Page, page) && page.Key == key;
    }

    /// <summary>As <see cref="TryGet"/>, not counted as a hit or miss (a translator looking ahead, not a fetch).</summary>
    public bool TryPeek(ulong virtualPage, in CodeKey key, out CodePage<TEntry> page, out byte* host)
    {
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        if (e.VirtualPage != virtualPage || e.Page!.Key != key)
        {
            page = null!;
            host = null;
            return false;
        }
        page = e.Page;
        host = e.Host;
        return true;
    }

    /// <summary>Remembers the fetch page just set up; returns the virtual page whose entry it replaced (<see cref="ulong.MaxValue"/> for none).</summary>
    public ulong Remember(ulong virtualPage, CodePage<TEntry> page, byte* host)
    {
        Misses++;
        ref var e = ref _entries[(int)(virtualPage & (Size - 1))];
        var evicted = e.VirtualPage;
        e.VirtualPage = virtualPage;
        e.Page = page;
        e.Host = host;
        return evicted;
    }

    /// <summary>Empties it (every TLB flush does).</summary>
    public void Flush()
    {
        for (var i = 0; i < _entries.Length; i++)
            _entries[i].VirtualPage = ulong.MaxValue;
    }

    private struct Entry
    {
        public ulong VirtualPage;
        public CodePage<TEntry>? Page;
        public byte* Host;
    }
}
