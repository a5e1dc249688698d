namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The architecture-neutral part of the decoded-code cache (<see cref="CodeCache{TEntry}"/>): physical page
/// → <see cref="CodePage"/>, a bitmap that answers "does this page hold code" without a lookup (the TLB fill
/// asks it), write invalidation (self-modifying code, the kernel's alternatives and static-key patching) and
/// recycling of dropped pages so clearing the cache allocates nothing.
/// </summary>
internal abstract class CodeCache
{
    /// <summary>Pages below this number are tracked in the bitmap; above it, by dictionary lookup.</summary>
    private const ulong BitmapLimit = 1UL << 24;

    private readonly Dictionary<ulong, CodePage> _pages = [];
    private readonly Stack<CodePage> _free = new();
    private ulong[] _bitmap = new ulong[64];

    /// <summary>Whether no page holds decoded code (writes then skip invalidation).</summary>
    public bool IsEmpty => _pages.Count == 0;

    /// <summary>Pages holding decoded code.</summary>
    public int PageCount => _pages.Count;

    /// <summary>Whether physical page <paramref name="ppn"/> holds decoded code (writes to it must take the slow path).</summary>
    public bool Contains(ulong ppn)
        => ppn < (ulong)_bitmap.Length * 64 ? (_bitmap[ppn >> 6] & (1UL << (int)ppn)) != 0 : _pages.ContainsKey(ppn);

    /// <summary>The page for <paramref name="ppn"/> emptied unless it was decoded under <paramref name="key"/>; <paramref name="added"/> when it is new to the cache.</summary>
    protected CodePage GetPage(ulong ppn, in CodeKey key, out bool added)
    {
        added = !_pages.TryGetValue(ppn, out var page);
        if (added)
        {
            page = _free.Count != 0 ? _free.Pop() : NewPage();
            page.Reset(key);
            _pages[ppn] = page;
            Mark(ppn);
        }
        else if (page!.Key != key)
            page.Reset(key);
        return page!;
    }

    /// <summary>A page of the concrete entry type.</summary>
    protected abstract CodePage NewPage();

    /// <summary>
    /// Empties every page holding an entry decoded from a byte of <c>[physical, physical + size)</c> (at most
    /// two pages); true when one was emptied, so a CPU running linked entries must stop following links.
    /// </summary>
    public bool InvalidateWrite(ulong physical, int size)
    {
        var dropped = false;
        if (_pages.TryGetValue(physical >> 12, out var page) && page.Overlaps((int)(physical & 0xFFF), size))
        {
            page.Reset(page.Key);
            dropped = true;
        }
        var end = physical + (ulong)size - 1;
        if (end >> 12 != physical >> 12 && _pages.TryGetValue(end >> 12, out page) && page.Overlaps(0, (int)(end & 0xFFF) + 1))
        {
            page.Reset(page.Key);
            dropped = true;
        }
        return dropped;
    }

    /// <summary>Drops every page (they are recycled: reset when reused).</summary>
    public void Clear()
    {
        foreach (var page in _pages.Values)
            _free.Push(page);
        _pages.Clear();
        Array.Clear(_bitmap);
    }

    private void Mark(ulong ppn)
    {
        if (ppn >= BitmapLimit)
            return;
        if (ppn >= (ulong)_bitmap.Length * 64)
            Array.Resize(ref _bitmap, (int)Math.Max((ulong)_bitmap.Length * 2, (ppn >> 6) + 1));
        _bitmap[ppn >> 6] |= 1UL << (int)ppn;
    }
}
