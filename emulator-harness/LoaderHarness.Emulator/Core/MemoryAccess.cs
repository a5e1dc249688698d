namespace LoaderHarness.Emulator.Core;

/// <summary>A recorded guest data access inside a watched physical range.</summary>
/// <param name="IsWrite">Write (true) or read (false).</param>
/// <param name="Physical">Guest-physical address.</param>
/// <param name="Size">Bytes accessed.</param>
/// <param name="Value">Value read or written (little-endian).</param>
/// <param name="Pc">Instruction pointer of the instruction that made the access (x86 RIP, arm64 PC).</param>
public readonly record struct MemoryAccess(bool IsWrite, ulong Physical, int Size, ulong Value, ulong Pc);
