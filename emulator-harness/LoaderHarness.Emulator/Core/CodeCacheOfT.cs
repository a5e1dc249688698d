namespace LoaderHarness.Emulator.Core;

/// <summary>The decoded-code cache of one engine, generic over what it caches per instruction.</summary>
/// <typeparam name="TEntry">The decoded form an engine executes (x86 <c>DecodedInstruction</c>, arm64 <c>A64Instruction</c>).</typeparam>
internal sealed class CodeCache<TEntry> : CodeCache
    where TEntry : unmanaged
{
    /// <summary>
    /// The page of physical page number <paramref name="ppn"/> for code fetched under <paramref name="key"/>:
    /// emptied first when its entries were decoded under another key. <paramref name="added"/> says the page
    /// is new to the cache (the caller must make writes to it take the slow path).
    /// </summary>
    public CodePage<TEntry> Fetch(ulong ppn, in CodeKey key, out bool added) => (CodePage<TEntry>)GetPage(ppn, key, out added);

    /// <inheritdoc/>
    protected override CodePage NewPage() => new CodePage<TEntry>();
}
