using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The instruction TLB: the code pages execution went through lately, by virtual page, each with the decoded-code
/// page and host address a full fetch setup (translation table walk, RAM lookup, code-cache lookup) found for it,
/// so moving between a few pages (a loop calling a helper elsewhere, calls and returns across functions) costs one
/// compare instead of a walk. Like the architecture's TLB it keeps a translation until it is invalidated: every TLB
/// maintenance instruction, translation register write and exception level change empties it, as they empty the
/// data TLB (Arm ARM D8.13 "Translation Lookaside Buffer maintenance"). Decoded A64 code does not depend on the
/// virtual address it runs at, so an entry stays usable across aliases of its physical page.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    /// <summary>Entries, direct-mapped by the low bits of the virtual page number; a power of two.</summary>
    internal const int FetchCacheSize = 64;

    private readonly FetchEntry[] _fetchCache = NewFetchCache();

    /// <summary>Fetch setups that found their page in the instruction TLB, for tests and measurements.</summary>
    public ulong FetchCacheHits { get; private set; }

    /// <summary>Fetch setups that walked the translation tables (instruction TLB misses), for tests and measurements.</summary>
    public ulong FetchCacheMisses { get; private set; }

    private static FetchEntry[] NewFetchCache()
    {
        var cache = new FetchEntry[FetchCacheSize];
        for (var i = 0; i < cache.Length; i++)
            cache[i].VaPage = ulong.MaxValue;
        return cache;
    }

    /// <summary>Makes <paramref name="pc"/>'s page the fetch page from the instruction TLB; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryCachedFetch(ulong pc)
    {
        var vaPage = pc >> 12;
        ref var e = ref _fetchCache[(int)(vaPage & (FetchCacheSize - 1))];
        if (e.VaPage != vaPage)
        {
            FetchCacheMisses++;
            return false;
        }
        FetchCacheHits++;
        _fetchPage = e.Page;
        _fetchHost = e.Host;
        _fetchVaPage = vaPage;
        return true;
    }

    /// <summary>Remembers the fetch page just set up.</summary>
    private void RememberFetch(ulong vaPage, CodePage<A64Instruction> page, byte* host)
    {
        ref var e = ref _fetchCache[(int)(vaPage & (FetchCacheSize - 1))];
        e.VaPage = vaPage;
        e.Page = page;
        e.Host = host;
    }

    /// <summary>Empties the instruction TLB (every TLB flush does).</summary>
    private void FlushFetchCache()
    {
        for (var i = 0; i < _fetchCache.Length; i++)
            _fetchCache[i].VaPage = ulong.MaxValue;
    }

    private struct FetchEntry
    {
        public ulong VaPage;
        public CodePage<A64Instruction>? Page;
        public byte* Host;
    }
}
