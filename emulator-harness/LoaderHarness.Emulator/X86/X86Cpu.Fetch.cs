using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Fetch beyond the current page without the run loop through the shared <see cref="FetchCursor{TEntry}"/> (what x86
/// adds: the fetch key of CS base, limit and bitness, the CS limit, a pending interrupt), the links and fused pairs
/// between decoded entries, and the fetch of bytes in the next page for an instruction that straddles into it.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>The code page fetched from, the instruction TLB and the far-target cache; <see cref="FetchCursor{TEntry}.Rekey"/> whenever the fetch key may change.</summary>
    private FetchCursor<DecodedInstruction> _fetch = new();

    /// <summary>Fetch setups served by the instruction TLB (<see cref="InstructionTlb{TEntry}"/>) or the far-target cache, for tests and measurements.</summary>
    public ulong FetchCacheHits => _fetch.Hits;

    /// <summary>Whether some decoded entry runs a fused pair (<see cref="Fuse"/>).</summary>
    private bool _fused;

    /// <summary>Fetch setups that walked the page tables (instruction TLB misses), for tests and measurements.</summary>
    public ulong FetchCacheMisses => _fetch.Tlb.Misses;

    /// <summary>What decoded code at <paramref name="linear"/> depends on: its linear page, the CS base and limit, and the bitness.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CodeKey FetchKey(ulong linear) => new(linear >> 12, SegBase[(int)SegmentRegister.Cs], _fetchLimit, Bitness);

    /// <summary>Sets the fetch state for <paramref name="linear"/>'s page from the instruction TLB; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryCachedFetch(ulong linear) => _fetch.TryCached(linear, FetchKey(linear));

    /// <summary>
    /// The slot of the instruction at <paramref name="next"/> when the run loop, given it, would do nothing but find
    /// it: INTR low, within the CS limit, its page in the fetch cache, already decoded, no breakpoint, stop or trap on
    /// it. Sets the fetch state to its page; 0 sends the chain back to the loop.
    /// </summary>
    private int FollowUnlinked(ulong next)
    {
        if (_interruptInput is { IsAsserted: true } || next > _fetchLimit)
            return 0;
        var linear = Mode64 ? next : (uint)(_csBase + next);
        return _fetch.TryFollow(linear, out var s) ? s : _fetch.FollowIntoPage(linear, FetchKey(linear));
    }

    /// <summary>
    /// Records in <paramref name="d"/> that its successor or target at <paramref name="next"/> is at <paramref name="at"/>
    /// (<paramref name="successor"/>; in the units of <see cref="DecodedInstruction.NextAt"/>), and fuses a flag-setting
    /// ALU form with the conditional jump after it.
    /// </summary>
    private void Link(ref DecodedInstruction d, ulong next, int at, ref DecodedInstruction successor)
    {
        if (next == d.NextIP)
        {
            d.NextAt = (ushort)at;
            if (d.Fusion > OperandForms.Fused && d.Fusion != OperandForms.FusibleJump && successor.Fusion == OperandForms.FusibleJump)
                Fuse(ref d, ref successor);
        }
        else if (next == d.Target)
            d.TargetAt = (ushort)at;
    }

    /// <summary>
    /// Makes <paramref name="d"/> run the conditional <paramref name="jump"/> after it too (<see cref="OperandForms.FusedHandler"/>):
    /// its exits become the jump's, the jump's address goes where a register form has no displacement. Not while a
    /// trace or hook watches each instruction, nor onto a stop point. The compiling tier reads a fused entry as the ALU
    /// instruction alone (<see cref="Tier2.GuestBlock"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fuse(ref DecodedInstruction d, ref DecodedInstruction jump)
    {
        if (_tracer is not null || _hook is not null || jump.Breakpoint)
            return;
        d.Disp = d.NextIP;
        d.Cc = jump.Cc;
        d.NextIP = jump.NextIP;
        d.Target = jump.Target;
        d.NextAt = jump.NextAt;
        d.TargetAt = jump.TargetAt;
        d.Handler = OperandForms.FusedHandler(d.Fusion);
        d.Fusion = OperandForms.Fused;
        _fused = true;
    }

    /// <summary>
    /// From a fused pair's handler, between its two instructions: false when the run's limit ends the chain after the
    /// first (the jump then runs on its own later); else counts the first and makes the jump the current instruction.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool EnterFusedJump(ulong rip)
    {
        if (_run.Executed + 1 >= _run.Limit)
            return false;
        _run.Executed++;
        Rip = rip;
        return true;
    }

    /// <summary>
    /// Fetches a code byte on the next page (instructions that straddle a page boundary): through the instruction TLB
    /// when it holds that page, as a fetch of an instruction there would be (and as a compiled block holding the
    /// straddling instruction assumes), else through a walk, which may fault.
    /// </summary>
    private int FetchByteSlow(ulong linear)
    {
        linear = WrapLinear(linear);
        if (_fetch.Tlb.TryPeek(linear >> 12, FetchKey(linear), out _, out var cached))
            return cached[linear & 0xFFF];
        var physical = Translate(linear, AccessKind.Execute, out _);
        var host = Memory.TryTranslate(physical, out _);
        return host == null ? -1 : *host;
    }
}
