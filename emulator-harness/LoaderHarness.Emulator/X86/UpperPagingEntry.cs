namespace LoaderHarness.Emulator.X86;

/// <summary>
/// A paging-structure cache entry (SDM Vol. 3A §4.10.3.1, "PDPTE cache"): for one GiB of linear space,
/// the physical address of the page directory its PML4E and PDPTE select and the R/W, U/S and XD
/// restrictions those two entries impose.
/// </summary>
internal readonly record struct UpperPagingEntry(ulong Tag, ulong Directory, bool Writable, bool User, bool NoExecute)
{
    /// <summary>An entry that matches no linear address (tags are linear >> 30, never all ones).</summary>
    public static UpperPagingEntry Empty { get; } = new(ulong.MaxValue, 0, false, false, false);
}
