using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The instruction TLB: the code pages execution went through lately, by linear page, each with the decoded-code
/// page and host address a full fetch setup (page walk, RAM lookup, code-cache lookup) found for it. Execution
/// that moves between a few pages (a loop calling a helper in the next page, a kernel's call and return across
/// functions) then switches pages with one compare instead of a walk each time. Like a processor's TLB it holds
/// translations only until a TLB flush (MOV to CR3, CR0, CR4, INVLPG, a CPL or mode change: SDM Vol. 3A §4.10.4),
/// which empties it; an entry is used only while its code page is still keyed to the same linear page, CS base,
/// limit and mode, so a page another alias re-keyed goes the slow way again.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>Entries, direct-mapped by the low bits of the linear page number; a power of two.</summary>
    internal const int FetchCacheSize = 64;

    private readonly FetchEntry[] _fetchCache = NewFetchCache();

    /// <summary>Fetch setups that found their page in the instruction TLB, for tests and measurements.</summary>
    public ulong FetchCacheHits { get; private set; }

    /// <summary>Fetch setups that walked the page tables (instruction TLB misses), for tests and measurements.</summary>
    public ulong FetchCacheMisses { get; private set; }

    private static FetchEntry[] NewFetchCache()
    {
        var cache = new FetchEntry[FetchCacheSize];
        for (var i = 0; i < cache.Length; i++)
            cache[i].LinearPage = ulong.MaxValue;
        return cache;
    }

    /// <summary>Makes <paramref name="linear"/>'s page the fetch page from the instruction TLB; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryCachedFetch(ulong linear)
    {
        var linearPage = linear >> 12;
        ref var e = ref _fetchCache[(int)(linearPage & (FetchCacheSize - 1))];
        if (e.LinearPage != linearPage || e.Page!.Key != new CodeKey(linearPage, SegBase[(int)SegmentRegister.Cs], _fetchLimit, Bitness))
        {
            FetchCacheMisses++;
            return false;
        }
        FetchCacheHits++;
        _fetchPage = e.Page;
        _fetchHost = e.Host;
        _fetchLinPage = linearPage;
        return true;
    }

    /// <summary>Remembers the fetch page just set up.</summary>
    private void RememberFetch(ulong linearPage, CodePage<DecodedInstruction> page, byte* host)
    {
        ref var e = ref _fetchCache[(int)(linearPage & (FetchCacheSize - 1))];
        e.LinearPage = linearPage;
        e.Page = page;
        e.Host = host;
    }

    /// <summary>Empties the instruction TLB (every TLB flush does).</summary>
    private void FlushFetchCache()
    {
        for (var i = 0; i < _fetchCache.Length; i++)
            _fetchCache[i].LinearPage = ulong.MaxValue;
    }

    private struct FetchEntry
    {
        public ulong LinearPage;
        public CodePage<DecodedInstruction>? Page;
        public byte* Host;
    }
}
