namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// A software TLB entry for data accesses: virtual page → host pointer of the backing RAM page.
/// <see cref="Write"/> is null unless a write may go straight to RAM (writable, no cached code on the page).
/// </summary>
internal unsafe struct Arm64TlbEntry
{
    /// <summary>Virtual page number, or ulong.MaxValue when empty.</summary>
    public ulong Page;

    /// <summary>Host address of the page for reads.</summary>
    public byte* Read;

    /// <summary>Host address of the page for writes, or null to take the slow path.</summary>
    public byte* Write;
}
