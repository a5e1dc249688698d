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

    /// <summary>Where branches into another virtual page led (<see cref="FarTargets{TEntry}"/>); forgotten whenever <see cref="_itlb"/> may change.</summary>
    private FarTargets<A64Instruction> _farTargets = new();

    /// <summary>Fetch setups served by the instruction TLB (<see cref="InstructionTlb{TEntry}"/>) or the far-target cache, for tests and measurements.</summary>
    public ulong FetchCacheHits => _itlb.Hits + _farTargets.Hits;

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
        if ((next & 3) != 0)
            return 0;
        if (next >> 12 == _fetchVaPage)
            return SlotInFetchPage(next);
        var far = _farTargets.TryGet(next, out var page, out var host);
        if (far == 0)
            return FollowIntoPage(next);
        _fetchPage = page;
        _fetchHost = host;
        _fetchVaPage = next >> 12;
        return far;
    }

    /// <summary><see cref="FollowUnlinked"/> into another virtual page the far-target cache does not know: through the instruction TLB, then remembered.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FollowIntoPage(ulong pc)
    {
        if (!TryCachedFetch(pc))
            return 0;
        var s = SlotInFetchPage(pc);
        if (s != 0)
            _farTargets.Remember(pc, _fetchPage!, _fetchHost, s);
        return s;
    }

    /// <summary>The slot of the decoded instruction at <paramref name="pc"/> in the fetch page; 0 when there is none or it has a stop point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotInFetchPage(ulong pc)
    {
        var page = _fetchPage!;
        int s = page.Slots[pc & 0xFFF];
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
