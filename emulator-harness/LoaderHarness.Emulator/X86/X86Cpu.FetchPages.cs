using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// A second fetch page, the way a CPU's instruction TLB keeps more than one translation: a hot loop that
/// spans two code pages (the kernel's xz decompressor does) switched fetch pages, each time with a page walk
/// and a code-cache lookup, twice an iteration. The page left is kept, and a fetch from it again swaps it
/// back. Everything that makes fetch state stale (TLB flushes, INVLPG, mode and CS changes, dropping the code
/// cache) marks the current fetch page unset; <see cref="SwapFetchPage"/> sees that mark and forgets the kept
/// page too, so a kept page is only ever used with the translation it was set up under.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private CodePage<DecodedInstruction>? _keptFetchPage;
    private byte* _keptFetchHost;
    private ulong _keptFetchLinPage = ulong.MaxValue;

    /// <summary>Makes the kept page current when it is the one <paramref name="linear"/> is on (true); otherwise keeps the current page for later and returns false (the caller sets up the new one).</summary>
    private bool SwapFetchPage(ulong linear)
    {
        if (_fetchLinPage == ulong.MaxValue || _fetchPage is null)
        {
            _keptFetchLinPage = ulong.MaxValue;
            _keptFetchPage = null;
            return false;
        }
        var kept = _keptFetchPage;
        if (linear >> 12 != _keptFetchLinPage || kept is null
            || kept.Key != new CodeKey(linear >> 12, SegBase[(int)SegmentRegister.Cs], _fetchLimit, Bitness))
        {
            // The page object may since hold code of another linear alias of the same physical page: key checked.
            _keptFetchPage = _fetchPage;
            _keptFetchHost = _fetchHost;
            _keptFetchLinPage = _fetchLinPage;
            return false;
        }
        var keptHost = _keptFetchHost;
        var keptLinPage = _keptFetchLinPage;
        _keptFetchPage = _fetchPage;
        _keptFetchHost = _fetchHost;
        _keptFetchLinPage = _fetchLinPage;
        _fetchPage = kept;
        _fetchHost = keptHost;
        _fetchLinPage = keptLinPage;
        return true;
    }
}
