namespace LoaderHarness.Emulator.X86;

/// <summary>A recorded guest data access inside a watched physical range.</summary>
/// <param name="IsWrite">Write (true) or read (false).</param>
/// <param name="Physical">Guest-physical address.</param>
/// <param name="Size">Bytes accessed.</param>
/// <param name="Value">Value read or written (little-endian).</param>
/// <param name="Rip">RIP of the instruction that made the access.</param>
public readonly record struct MemoryAccess(bool IsWrite, ulong Physical, int Size, ulong Value, ulong Rip);
