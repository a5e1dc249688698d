namespace LoaderHarness.Loader.Memory;

/// <summary>The guest ranges <see cref="Load"/> mapped copy-on-write from a file, and copying them ahead of a run.</summary>
public sealed unsafe partial class GuestMemory
{
    /// <summary>Guest ranges <see cref="Load"/> mapped from a file: pages there the host never backed read as the file, not zero.</summary>
    private List<(ulong Start, ulong End)>? _mapped;

    /// <summary>Notes that <see cref="Load"/> mapped <c>[address, address + length)</c> from a file.</summary>
    private void Mapped(ulong address, ulong length) => (_mapped ??= []).Add((address, address + length));

    /// <summary>
    /// Gives the pages mapped from a file their private copies now, one system call per range
    /// (<see cref="HostPages.PopulateWritable"/>), for a guest about to run: those inside <paramref name="written"/>
    /// (guest ranges the guest is expected to write). A kernel writes over much of its own image
    /// early (static calls, alternatives and jump labels patch call sites across its text), and each first write to a
    /// mapped page was a copy-on-write fault of its own. Debian's 6.1 vmlinux through PVH to its first console line:
    /// the engine's run 104-123 ms with those faults, 58-75 ms after the copy. The file is still never read into the
    /// process: the host kernel copies from its page cache.
    /// </summary>
    public void CopyMappedPages(IReadOnlyList<(ulong Start, ulong End)> written)
    {
        foreach (var (start, end) in _mapped ?? [])
        {
            foreach (var (from, to) in written)
            {
                var first = Math.Max(start, from & ~0xFFFUL);
                var last = Math.Min(end, to > ulong.MaxValue - 0xFFF ? ulong.MaxValue & ~0xFFFUL : (to + 0xFFF) & ~0xFFFUL);
                if (first < last)
                    HostPages.PopulateWritable(Translate(first, out _), last - first);
            }
        }
    }
}
