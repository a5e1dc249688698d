using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The instruction TLB: the last few linear code pages the fetch set up, each with its decoded-code page and host
/// pointer, so returning to a code page (a call into another page and its return) costs one lookup instead of a page
/// walk, a host translation and a code-cache search. It holds only what a successful execute translation proved, and
/// is dropped with the TLB (CR3/CR0/CR4/EFER writes, CPL changes, INVLPG: a real CPU's ITLB needs the same flushes,
/// SDM Vol. 3A §4.10.4); a changed CS (base, limit, bitness) or a code page reset for another alias misses on the key.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private const int FetchCacheSize = 64;
    private readonly FetchCacheEntry[] _fetchCache = new FetchCacheEntry[FetchCacheSize];

    /// <summary>Entries of an older epoch are stale; flushing bumps it (0 is never current, so fresh entries never match).</summary>
    private uint _fetchEpoch = 1;

    /// <summary>Forgets every cached code page translation.</summary>
    private void FlushFetchCache()
    {
        if (++_fetchEpoch == 0)
        {
            Array.Clear(_fetchCache);
            _fetchEpoch = 1;
        }
    }

    /// <summary>Sets the fetch state for <paramref name="linear"/>'s page from the cache; false on a miss.</summary>
    private bool TryCachedFetch(ulong linear)
    {
        var linearPage = linear >> 12;
        ref var e = ref _fetchCache[(int)(linearPage & (FetchCacheSize - 1))];
        if (e.Epoch != _fetchEpoch || e.LinearPage != linearPage)
            return false;
        var page = e.Page!;
        if (page.Key != new CodeKey(linearPage, SegBase[(int)SegmentRegister.Cs], _fetchLimit, Bitness))
            return false;
        _fetchPage = page;
        _fetchHost = e.Host;
        _fetchLinPage = linearPage;
        return true;
    }

    /// <summary>Remembers the fetch state just set up for <paramref name="linear"/>'s page.</summary>
    private void RememberFetch(ulong linear, CodePage<DecodedInstruction> page, byte* host)
    {
        ref var e = ref _fetchCache[(int)((linear >> 12) & (FetchCacheSize - 1))];
        e.LinearPage = linear >> 12;
        e.Page = page;
        e.Host = host;
        e.Epoch = _fetchEpoch;
    }

    /// <summary>
    /// The slot of the instruction at <paramref name="next"/> when the run loop, given it, would do nothing but find
    /// it: INTR low, within the CS limit, its page in the fetch cache, already decoded, no breakpoint, stop or trap on
    /// it. Sets the fetch state to its page; 0 sends the chain back to the loop.
    /// </summary>
    private int FollowUnlinked(ulong next)
    {
        if (_interruptInput is { IsAsserted: true } || next > _fetchLimit)
            return 0;
        var linear = Mode64 ? next : (uint)(_csBase + next);
        if (linear >> 12 != _fetchLinPage && !TryCachedFetch(linear))
            return 0;
        var page = _fetchPage!;
        int s = page.Slots[linear & 0xFFF];
        return s == 0 || page.Entries[s].Breakpoint ? 0 : s;
    }

    /// <summary>Records in <paramref name="d"/> that its successor or target at <paramref name="next"/> is <paramref name="slot"/>, as the loop's link does.</summary>
    private static void Link(ref DecodedInstruction d, ulong next, int slot)
    {
        if (next == d.NextIP)
            d.Next = (ushort)slot;
        else if (next == d.Target)
            d.TargetSlot = (ushort)slot;
    }

    /// <summary>Fetches a code byte on the next page (instructions that straddle a page boundary).</summary>
    private int FetchByteSlow(ulong linear)
    {
        linear = WrapLinear(linear);
        var physical = Translate(linear, AccessKind.Execute, out _);
        var host = Memory.TryTranslate(physical, out _);
        return host == null ? -1 : *host;
    }

    private struct FetchCacheEntry
    {
        public ulong LinearPage;
        public CodePage<DecodedInstruction>? Page;
        public byte* Host;
        public uint Epoch;
    }
}
