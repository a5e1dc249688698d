using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Fetch beyond the current page without the run loop, as the x86 engine's (<c>X86Cpu.Fetch.cs</c>): the instruction TLB
/// (<see cref="InstructionTlb{TEntry}"/>) sets up a page execution returns to, the interpreter's chain follows returns,
/// indirect branches and branches into another cached page where the loop would only have looked the instruction up,
/// and links each instruction to its successor in the same page.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    private readonly InstructionTlb<A64Instruction> _itlb = new();

    /// <summary>Fetch setups served by the instruction TLB (<see cref="InstructionTlb{TEntry}"/>), for tests and measurements.</summary>
    public ulong FetchCacheHits => _itlb.Hits;

    /// <summary>Fetch setups that walked the page tables (instruction TLB misses), for tests and measurements.</summary>
    public ulong FetchCacheMisses => _itlb.Misses;

    /// <summary>Sets the fetch state for <paramref name="pc"/>'s page from the instruction TLB; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryCachedFetch(ulong pc)
    {
        if (!_itlb.TryGet(pc >> 12, default, out var page, out var host))
            return false;
        _fetchPage = page;
        _fetchHost = host;
        _fetchVaPage = pc >> 12;
        return true;
    }

    /// <summary>
    /// The slot of the instruction at <paramref name="next"/> when the run loop, given it, would do nothing but find it:
    /// aligned, its page in the fetch cache, already decoded, no breakpoint or stop address at its page offset. Sets the
    /// fetch state to its page; 0 sends the chain back to the loop. (The loop looks at interrupts and timers only when
    /// the run's limit was reached, which ends a chain anyway.)
    /// </summary>
    private int FollowUnlinked(ulong next)
    {
        if ((next & 3) != 0 || (next >> 12 != _fetchVaPage && !TryCachedFetch(next)))
            return 0;
        var page = _fetchPage!;
        int s = page.Slots[next & 0xFFF];
        return s == 0 || page.Entries[s].Breakpoint ? 0 : s;
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
