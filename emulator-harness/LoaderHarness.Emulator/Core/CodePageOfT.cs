namespace LoaderHarness.Emulator.Core;

/// <summary>Decoded entries of one physical page: x86 <c>DecodedInstruction</c>, arm64 <c>A64Instruction</c>, later compiled blocks.</summary>
/// <typeparam name="TEntry">The decoded form an engine executes.</typeparam>
internal sealed class CodePage<TEntry> : CodePage
    where TEntry : struct
{
    /// <summary>Entries by slot; slot 0 is unused. Grows as entries are added (a reference taken before growth stays valid).</summary>
    public TEntry[] Entries = new TEntry[32];

    /// <summary>Reserves a cleared entry for <paramref name="length"/> bytes at <paramref name="offset"/>; returns its slot.</summary>
    public int Add(int offset, int length)
    {
        var slot = Claim(offset, length);
        if (slot == Entries.Length)
            Array.Resize(ref Entries, Entries.Length * 2);
        Entries[slot] = default;
        return slot;
    }
}
