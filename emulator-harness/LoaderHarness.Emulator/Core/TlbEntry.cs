namespace LoaderHarness.Emulator.Core;

/// <summary>
/// A software TLB entry of <see cref="SoftMmu"/>: a virtual page (x86 linear) → host pointer of the backing
/// RAM page. <see cref="Write"/> is null until a write may go straight to RAM without a page walk (writable,
/// for x86 the dirty bit already set, no decoded code on the page, not watched).
/// </summary>
internal unsafe struct TlbEntry
{
    /// <summary>Virtual page number, or ulong.MaxValue when empty.</summary>
    public ulong Page;

    /// <summary>Host address of the page for reads.</summary>
    public byte* Read;

    /// <summary>Host address of the page for writes, or null to take the slow path.</summary>
    public byte* Write;

    /// <summary>Guest-physical address of the page (to write-protect it when code is decoded from it).</summary>
    public ulong Physical;
}
