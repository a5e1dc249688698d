namespace LoaderHarness.Loader.Images;

/// <summary>
/// One piece of an image copied into guest memory: <see cref="FileSize"/> bytes from
/// <see cref="FileOffset"/> to <see cref="GuestAddress"/>; the guest range it claims is
/// <see cref="MemorySize"/> bytes (ELF p_memsz, BSS included).
/// </summary>
public readonly record struct SegmentPlacement(ulong FileOffset, ulong GuestAddress, ulong FileSize, ulong MemorySize)
{
    /// <summary>One past the last guest byte the segment claims.</summary>
    public ulong GuestEnd => GuestAddress + MemorySize;
}
