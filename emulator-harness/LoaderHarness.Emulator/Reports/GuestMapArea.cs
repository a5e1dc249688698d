namespace LoaderHarness.Emulator.Reports;

/// <summary>One named stretch of guest-physical memory: <c>[Address, Address + Size)</c>.</summary>
/// <param name="Name">What it is, as the loader or the memory map names it ("kernel", "zero page", "reserved").</param>
/// <param name="Kind">Its kind, which decides its lane and colour in a picture.</param>
/// <param name="Address">The first byte.</param>
/// <param name="Size">Bytes.</param>
public readonly record struct GuestMapArea(string Name, GuestMapKind Kind, ulong Address, ulong Size)
{
    /// <summary>One past the last byte.</summary>
    public ulong End => Address + Size;
}
