using Microsoft.Win32.SafeHandles;

namespace LoaderHarness.Loader.Memory;

/// <summary>The guest ranges <see cref="Load"/> mapped copy-on-write from a file, and copying them ahead of a run.</summary>
public sealed unsafe partial class GuestMemory
{
    /// <summary>A guest range <see cref="Load"/> mapped from <see cref="File"/> at <see cref="Offset"/>.</summary>
    private readonly record struct MappedRange(ulong Start, ulong End, SafeFileHandle File, ulong Offset);

    /// <summary>Guest ranges <see cref="Load"/> mapped from a file: pages there the host never backed read as the file, not zero.</summary>
    private List<MappedRange>? _mapped;

    /// <summary>Notes that <see cref="Load"/> mapped <c>[address, address + length)</c> from <paramref name="file"/> at <paramref name="offset"/>.</summary>
    private void Mapped(ulong address, ulong length, SafeFileHandle file, ulong offset)
        => (_mapped ??= []).Add(new MappedRange(address, address + length, file, offset));

    /// <summary>
    /// Gives the mapped pages inside <paramref name="written"/> (guest ranges the guest is expected to write) their
    /// private copies now, for a guest about to run. A kernel writes over much of its own image early (static calls,
    /// alternatives and jump labels patch call sites across its text), and each first write to a mapped page was a
    /// copy-on-write fault of its own: Debian's 6.1 vmlinux through PVH to its first console line ran 104-123 ms with
    /// them, 58-75 ms after a copy.
    /// <para>
    /// Each whole 2 MiB of a mapped range that is at least half written is read from the file onto a transparent huge
    /// page (<see cref="HostPages.TryReadOver"/>): on a host whose every first touch of a 4 KiB page costs a few
    /// microseconds even after the page was populated (this machine, a paravirtualised guest: 5.8 µs a page against
    /// 0.03 µs on huge pages), the same boot's run went from 52 to 35 ms (median of 12), its copy from 9 to 15 ms. The
    /// rest is copied page by page where it is written (<see cref="HostPages.PopulateWritable"/>), as is a huge page the
    /// file can no longer be read for.
    /// </para>
    /// </summary>
    public void CopyMappedPages(IReadOnlyList<(ulong Start, ulong End)> written)
    {
        const ulong huge = HostPages.HugePageSize;
        foreach (var m in _mapped ?? [])
        {
            var chunk = (m.Start + huge - 1) & ~(huge - 1);
            PopulateWritten(written, m.Start, Math.Min(chunk, m.End));
            for (; chunk < m.End; chunk += huge)
            {
                var end = Math.Min(chunk + huge, m.End);
                if (end - chunk < huge || WrittenBytes(written, chunk, end) < huge / 2
                    || !HostPages.TryReadOver(Translate(chunk, out _), huge, m.File, m.Offset + (chunk - m.Start)))
                    PopulateWritten(written, chunk, end);
            }
        }
    }

    /// <summary>Copies the pages of <c>[first, last)</c> that <paramref name="written"/> covers, one system call per range.</summary>
    private void PopulateWritten(IReadOnlyList<(ulong Start, ulong End)> written, ulong first, ulong last)
    {
        foreach (var (a, b) in WrittenPages(written, first, last))
            HostPages.PopulateWritable(Translate(a, out _), b - a);
    }

    /// <summary>How many bytes of the pages of <c>[first, last)</c> <paramref name="written"/> covers (its ranges are sections, which do not overlap).</summary>
    private static ulong WrittenBytes(IReadOnlyList<(ulong Start, ulong End)> written, ulong first, ulong last)
    {
        ulong bytes = 0;
        foreach (var (a, b) in WrittenPages(written, first, last))
            bytes += b - a;
        return bytes;
    }

    /// <summary>Each range of <paramref name="written"/>, widened to whole pages and cut to <c>[first, last)</c>, where not empty.</summary>
    private static IEnumerable<(ulong First, ulong Last)> WrittenPages(IReadOnlyList<(ulong Start, ulong End)> written, ulong first, ulong last)
    {
        foreach (var (from, to) in written)
        {
            var a = Math.Max(first, from & ~0xFFFUL);
            var b = Math.Min(last, PageEnd(to));
            if (a < b)
                yield return (a, b);
        }
    }

    /// <summary>The end of the page <paramref name="end"/> falls in (itself when on a boundary), saturating at the top.</summary>
    private static ulong PageEnd(ulong end) => end > ulong.MaxValue - 0xFFF ? ulong.MaxValue & ~0xFFFUL : (end + 0xFFF) & ~0xFFFUL;
}
