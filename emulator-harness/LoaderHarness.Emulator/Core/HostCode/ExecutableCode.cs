using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// Machine code of one compiled block, placed in the <see cref="CodeArena"/> (never writable where it runs) and given
/// back when the block is collected, with the link cells its exits read (<see cref="HostChain"/>), pinned beside it. Only
/// on Linux x86-64, where the generated code can run at all (<see cref="IsSupported"/>); elsewhere nothing is compiled.
/// </summary>
internal sealed class ExecutableCode
{
    private readonly CodeArena _arena;
    private readonly CodeArena.Chunk _chunk;

    private ExecutableCode(CodeArena arena, CodeArena.Chunk chunk, nint entry, int chainEntry, ulong[] cells)
    {
        _arena = arena;
        _chunk = chunk;
        Entry = entry;
        ChainEntry = entry + chainEntry;
        Cells = cells;
    }

    /// <summary>Whether this process can map and run x86-64 code: Linux on an x86-64 host.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The code's first byte.</summary>
    public nint Entry { get; }

    /// <summary>Where another block's exit jumps in: the block's guest registers are in the register array, its flags in the state block.</summary>
    public nint ChainEntry { get; }

    /// <summary>The link cells the code's exits read (pinned: their addresses are in the code).</summary>
    public ulong[] Cells { get; }

    /// <summary>
    /// Places <paramref name="code"/> where it can run, with its chained entry at offset <paramref name="chainEntry"/> and
    /// its exits reading <paramref name="cells"/>, in <paramref name="arena"/> (by default the shared one); null when the
    /// host cannot (not supported, or the arena got no memory).
    /// </summary>
    public static ExecutableCode? Map(ReadOnlySpan<byte> code, int chainEntry, ulong[] cells, CodeArena? arena = null)
    {
        arena ??= CodeArena.Shared;
        if (!IsSupported || code.IsEmpty || arena.Place(code) is not { } placed)
            return null;
        return new ExecutableCode(arena, placed.Chunk, placed.Entry, chainEntry, cells);
    }

    // The block that owns this code is unreachable, so no call into it is running or can start (the caller keeps the
    // block alive across its call, and the CPU keeps every block a cell of the current epoch leads to).
    ~ExecutableCode() => _arena.Release(_chunk);
}
