using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Fetch beyond the current page without the run loop through the shared <see cref="FetchCursor{TEntry}"/> (what arm64
/// adds: alignment), and the links from each instruction to its successor in the same page.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    /// <summary>The code page fetched from, the instruction TLB and the far-target cache (<see cref="FetchCursor{TEntry}"/>).</summary>
    private FetchCursor<A64Instruction> _fetch = new();

    /// <summary>Fetch setups served by the instruction TLB (<see cref="InstructionTlb{TEntry}"/>) or the far-target cache, for tests and measurements.</summary>
    public ulong FetchCacheHits => _fetch.Hits;

    /// <summary>Fetch setups that walked the page tables (instruction TLB misses), for tests and measurements.</summary>
    public ulong FetchCacheMisses => _fetch.Tlb.Misses;

    /// <summary>
    /// The slot of the instruction at <paramref name="next"/> when the run loop, given it, would do nothing but find it:
    /// aligned, its page in the fetch cache, already decoded, no breakpoint or stop address at its page offset. Sets the
    /// fetch state to its page; 0 sends the chain back to the loop. (The loop looks at interrupts and timers only when
    /// the run's limit was reached, which ends a chain anyway.)
    /// </summary>
    private int FollowUnlinked(ulong next)
    {
        if ((next & 3) != 0)
            return 0;
        return _fetch.TryFollow(next, out var s) ? s : _fetch.FollowIntoPage(next, default);
    }

    /// <summary>
    /// Records in <paramref name="d"/>, the instruction at <paramref name="pc"/>, that the instruction at <paramref name="next"/>
    /// is at <paramref name="at"/> of the same code page (in the units of <see cref="A64Instruction.NextAt"/>), when
    /// <paramref name="next"/> is PC + 4 or PC + Imm in the same virtual page: the same page offset from the entry's, so the
    /// link holds at every virtual address the page is mapped at.
    /// </summary>
    private static void Link(ref A64Instruction d, ulong pc, ulong next, int at)
    {
        if ((next ^ pc) >> 12 != 0)
            return; // another virtual page: another code page, or this one at another address
        if (next == pc + 4)
            d.NextAt = (ushort)at;
        else if (next == pc + d.Imm)
            d.TargetAt = (ushort)at;
    }
}
