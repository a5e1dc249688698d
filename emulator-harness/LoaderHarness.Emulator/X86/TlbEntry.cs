namespace LoaderHarness.Emulator.X86;

/// <summary>
/// A software TLB entry: linear page → host pointer of the backing RAM page. <see cref="Write"/> is null
/// until a write is allowed without a page walk (writable, dirty already set, no cached code on the page).
/// </summary>
internal unsafe struct TlbEntry
{
    /// <summary>Linear page number, or ulong.MaxValue when empty.</summary>
    public ulong Page;

    /// <summary>Host address of the page for reads.</summary>
    public byte* Read;

    /// <summary>Host address of the page for writes, or null to take the slow path.</summary>
    public byte* Write;

    /// <summary>Guest-physical address of the page.</summary>
    public ulong Physical;
}
