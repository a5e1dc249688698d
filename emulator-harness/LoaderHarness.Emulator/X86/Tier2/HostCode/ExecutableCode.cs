using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// Machine code of one compiled block in its own anonymous mapping: written while the pages are read-write, then
/// switched to read-execute (never writable and executable at once), and unmapped when the block is collected, with
/// the link cells its exits read (<see cref="HostChain"/>), pinned beside it. Only on
/// Linux x86-64, where the generated code can run at all (<see cref="IsSupported"/>); elsewhere nothing is compiled.
/// </summary>
internal sealed unsafe partial class ExecutableCode
{
    // mmap(2) and mprotect(2) constants from the Linux UAPI (include/uapi/asm-generic/mman-common.h, mman.h).
    private const int ProtRead = 0x1, ProtWrite = 0x2, ProtExec = 0x4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;
    private static readonly nint MapFailed = -1;

    private readonly nint _address;
    private readonly nuint _length;

    private ExecutableCode(nint address, nuint length, int chainEntry, ulong[] cells)
    {
        _address = address;
        _length = length;
        ChainEntry = address + chainEntry;
        Cells = cells;
    }

    /// <summary>Whether this process can map and run x86-64 code: Linux on an x86-64 host.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The code's first byte.</summary>
    public nint Entry => _address;

    /// <summary>Where another block's exit jumps in: the block's guest registers are in the register array, its flags in the state block.</summary>
    public nint ChainEntry { get; }

    /// <summary>The link cells the code's exits read (pinned: their addresses are in the code).</summary>
    public ulong[] Cells { get; }

    /// <summary>
    /// Maps <paramref name="code"/> read-execute, with its chained entry at offset <paramref name="chainEntry"/> and its
    /// exits reading <paramref name="cells"/>; null when the host cannot (not supported, or mmap/mprotect failed).
    /// </summary>
    public static ExecutableCode? Map(ReadOnlySpan<byte> code, int chainEntry, ulong[] cells)
    {
        if (!IsSupported || code.IsEmpty)
            return null;
        var length = (nuint)((code.Length + 4095) & ~4095);
        var address = Mmap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == MapFailed)
            return null;
        code.CopyTo(new Span<byte>((void*)address, code.Length));
        if (Mprotect(address, length, ProtRead | ProtExec) != 0)
        {
            _ = Munmap(address, length);
            return null;
        }
        return new ExecutableCode(address, length, chainEntry, cells);
    }

    // The block that owns this code is unreachable, so no call into it is running or can start (the caller keeps the
    // block alive across its call, and the CPU keeps every block a cell of the current epoch leads to).
    ~ExecutableCode() => Munmap(_address, _length);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint address, nuint length, int prot);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
