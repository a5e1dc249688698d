namespace LoaderHarness.Emulator.Core;

/// <summary>Decoded entries of one physical page: x86 <c>DecodedInstruction</c>, arm64 <c>A64Instruction</c>, later compiled blocks.</summary>
/// <typeparam name="TEntry">The decoded form an engine executes.</typeparam>
internal sealed unsafe class CodePage<TEntry>() : CodePage(sizeof(TEntry))
    where TEntry : unmanaged
{
    /// <summary>Entries by slot; slot 0 is unused. They never move (see <see cref="CodePage"/>).</summary>
    public Span<TEntry> Entries => new(EntryMemory, Capacity);

    /// <summary>Reserves a cleared entry for <paramref name="length"/> bytes at <paramref name="offset"/>; returns its slot.</summary>
    public int Add(int offset, int length)
    {
        var slot = Claim(offset, length);
        Entries[slot] = default;
        return slot;
    }
}
