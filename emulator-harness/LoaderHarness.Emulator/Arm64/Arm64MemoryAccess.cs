namespace LoaderHarness.Emulator.Arm64;

/// <summary>A recorded guest data access inside a watched physical range.</summary>
/// <param name="IsWrite">Write (true) or read (false).</param>
/// <param name="Physical">Guest-physical address.</param>
/// <param name="Size">Bytes accessed.</param>
/// <param name="Value">Value read or written (little-endian).</param>
/// <param name="Pc">PC of the instruction that made the access.</param>
public readonly record struct Arm64MemoryAccess(bool IsWrite, ulong Physical, int Size, ulong Value, ulong Pc);
