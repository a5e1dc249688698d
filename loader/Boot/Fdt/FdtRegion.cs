namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>
/// A guest-physical range <c>[Address, Address + Size)</c>: a memory reservation entry
/// (<c>struct fdt_reserve_entry</c>, DT spec v0.4 §5.3.2) or a RAM bank of a guest description.
/// </summary>
/// <param name="Address">First byte of the range.</param>
/// <param name="Size">Length in bytes.</param>
public readonly record struct FdtRegion(ulong Address, ulong Size);
