namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Decoded instructions of one physical page, valid for one (linear page, CS base, bitness, CS limit) —
/// the things Iced's IP-relative results and the fetch limit check depend on. A write to any byte an instruction came from drops the page.
/// </summary>
internal sealed class CodePage
{
    /// <summary>Slot of the instruction starting at each page offset; 0 = not decoded.</summary>
    public readonly ushort[] Slots = new ushort[4096];

    /// <summary>One bit per byte of the page that belongs to a cached instruction.</summary>
    private readonly ulong[] _covered = new ulong[64];

    /// <summary>Entries; index 0 is unused.</summary>
    public DecodedInstruction[] Entries = new DecodedInstruction[32];

    public int Count = 1;
    public ulong LinearPage = ulong.MaxValue;
    public ulong CsBase;
    public int Bitness;

    /// <summary>The CS limit instructions were checked against when decoded (all ones when unchecked).</summary>
    public ulong CsLimit;

    /// <summary>Bumped by every <see cref="Reset"/>, so a slot number remembered across instructions can be checked for staleness.</summary>
    public uint Generation;

    /// <summary>Makes the page empty and re-keys it.</summary>
    public void Reset(ulong linearPage, ulong csBase, int bitness, ulong csLimit)
    {
        if (Count > 1)
        {
            Array.Clear(Slots);
            Array.Clear(_covered);
            Array.Clear(Entries, 0, Count);
        }
        Count = 1;
        Generation++;
        LinearPage = linearPage;
        CsBase = csBase;
        Bitness = bitness;
        CsLimit = csLimit;
    }

    /// <summary>Reserves an entry for the instruction at <paramref name="offset"/> of <paramref name="length"/> bytes.</summary>
    public int Add(int offset, int length)
    {
        if (Count == Entries.Length)
            Array.Resize(ref Entries, Entries.Length * 2);
        var slot = Count++;
        Slots[offset] = (ushort)slot;
        for (var b = offset; b < offset + length; b++)
            _covered[b >> 6] |= 1UL << b;
        return slot;
    }

    /// <summary>Whether any byte of <c>[offset, offset + length)</c> belongs to a cached instruction.</summary>
    public bool Overlaps(int offset, int length)
    {
        for (var b = offset; b < offset + length && b < 4096; b++)
            if ((_covered[b >> 6] & (1UL << b)) != 0)
                return true;
        return false;
    }
}
