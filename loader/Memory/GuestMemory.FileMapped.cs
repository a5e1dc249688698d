namespace LoaderHarness.Loader.Memory;

/// <summary>The guest ranges <see cref="Load"/> mapped copy-on-write from a file, and copying them ahead of a run.</summary>
public sealed unsafe partial class GuestMemory
{
    /// <summary>Guest ranges <see cref="Load"/> mapped from a file: pages there the host never backed read as the file, not zero.</summary>
    private List<(ulong Start, ulong End)>? _mapped;

    /// <summary>Notes that <see cref="Load"/> mapped <c>[address, address + length)</c> from a file.</summary>
    private void Mapped(ulong address, ulong length) => (_mapped ??= []).Add((address, address + length));

    /// <summary>
    /// Gives every page mapped from a file its private copy now, one system call per range
    /// (<see cref="HostPages.PopulateWritable"/>), for a guest about to run: a kernel writes over much of its own
    /// image early (alternatives, jump labels and static calls patch call sites across its text), and each first write
    /// to a mapped page was a copy-on-write fault of its own. Debian's 6.1 vmlinux through PVH to its first console
    /// line: the engine's run 104-120 ms with those faults, 57-79 ms after a populate that cost the load 10-20 ms.
    /// The file is still never read into the process: the kernel copies from its page cache.
    /// </summary>
    public void CopyMappedPages()
    {
        foreach (var (start, end) in _mapped ?? [])
            HostPages.PopulateWritable(Translate(start, out _), end - start);
    }
}
