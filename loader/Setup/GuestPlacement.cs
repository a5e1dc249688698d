namespace LoaderHarness.Loader.Setup;

/// <summary>One thing the setup put in guest memory.</summary>
public readonly record struct GuestPlacement(string Name, ulong Address, ulong Size)
{
    /// <summary>One past the last byte.</summary>
    public ulong End => Address + Size;

    /// <summary>Whether two placements share a byte.</summary>
    public bool Overlaps(GuestPlacement other) => Size != 0 && other.Size != 0 && Address < other.End && other.Address < End;
}
