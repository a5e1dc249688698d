using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// Machine code of one compiled block, placed in the <see cref="CodeArena"/> (never writable where it runs) and given
/// back when no entry into it is reachable, with the link cells its exits read (<see cref="HostChain"/>), pinned beside it. Only
/// on Linux x86-64, where the generated code can run at all (<see cref="IsSupported"/>); elsewhere nothing is compiled.
/// </summary>
internal sealed class ExecutableCode
{
    private readonly Placement _placement;

    private ExecutableCode(Placement placement, nint entry, nint chainEntry, ulong[] cells)
    {
        _placement = placement;
        Entry = entry;
        ChainEntry = chainEntry;
        Cells = cells;
    }

    /// <summary>Whether this process can map and run x86-64 code: Linux on an x86-64 host.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Where the run loop calls in: the block's prologue.</summary>
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
        return new ExecutableCode(new Placement(arena, placed.Chunk, placed.Entry), placed.Entry, placed.Entry + chainEntry, cells);
    }

    /// <summary>
    /// Another way into the same code, with its own prologue at offset <paramref name="entry"/> and its own chained entry at
    /// <paramref name="chainEntry"/> (a return site inside the block, <see cref="HostFrame.ReturnEntries"/>); the code stays
    /// mapped while any of its entries is reachable.
    /// </summary>
    public ExecutableCode At(int entry, int chainEntry)
        => new(_placement, _placement.Start + entry, _placement.Start + chainEntry, Cells);

    /// <summary>The code's place in the arena, given back once no entry into it is reachable.</summary>
    private sealed class Placement(CodeArena arena, CodeArena.Chunk chunk, nint start)
    {
        /// <summary>The code's first byte.</summary>
        public readonly nint Start = start;

        // Every entry into the code is unreachable, so no call into it is running or can start (the caller keeps the
        // entry alive across its call, and the CPU keeps every block a cell of the current epoch leads to).
        ~Placement() => arena.Release(chunk);
    }
}
