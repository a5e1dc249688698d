namespace LoaderHarness.Loader.Memory;

/// <summary>One contiguous range of guest-physical RAM: <c>[Start, Start + Size)</c>.</summary>
public readonly record struct GuestRegion(ulong Start, ulong Size)
{
    /// <summary>One past the last byte of the region.</summary>
    public ulong End => Start + Size;

    /// <summary>Whether <paramref name="address"/> lies inside the region.</summary>
    public bool Contains(ulong address) => address >= Start && address - Start < Size;

    /// <inheritdoc />
    public override string ToString() => $"[0x{Start:x}, 0x{End:x})";
}
