using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The far-target cache: the chain's shortcut for control transfers into another code page (a return to the caller's
/// page, a call or jump through a thunk in another page, an indirect call). Each entry remembers, for one linear
/// address, what the instruction TLB, the page's slot table and the entry's breakpoint mark answered when the chain
/// last followed a transfer there, and is used only while none of them can have changed: no TLB flush, no instruction
/// TLB refill, no change of CS or mode (<see cref="_farEpoch"/>) and no invalidation of the page's decoded code (its
/// generation). Such a hit gives exactly what <see cref="FollowUnlinked"/>'s full lookup would.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>Entries, direct-mapped by the linear address; a power of two.</summary>
    private const int FarTargetCount = 256;

    /// <summary>The entries, inside the CPU object so that a probe needs no array reference loaded first.</summary>
    private FarTargetArray _farTargets;

    /// <summary>Fetch setups the far-target cache served (counted with the instruction TLB's hits).</summary>
    private ulong _farHits;

    /// <summary>Changes whenever an instruction TLB entry or the fetch key may have changed; entries of another epoch are stale. Never 0 (a cleared entry's).</summary>
    private uint _farEpoch = 1;

    /// <summary>Makes every far-target entry stale (TLB flush, instruction TLB refill, mode or CS change, dropped code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ForgetFarTargets()
    {
        if (++_farEpoch == 0)
        {
            ((Span<FarTarget>)_farTargets).Clear();
            _farEpoch = 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref FarTarget FarTargetOf(ulong linear)
        => ref Unsafe.Add(ref Unsafe.As<FarTargetArray, FarTarget>(ref _farTargets), (int)((linear ^ (linear >> 12)) & (FarTargetCount - 1)));

    /// <summary>Sets the fetch state to <paramref name="linear"/>'s page from the far-target cache and returns the slot there; 0 on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int TryFarTarget(ulong linear)
    {
        ref var f = ref FarTargetOf(linear);
        if (f.Linear != linear || f.Epoch != _farEpoch || f.Page!.Generation != f.Generation)
            return 0;
        _fetchPage = f.Page;
        _fetchHost = f.Host;
        _fetchLinPage = linear >> 12;
        _farHits++;
        return f.Slot;
    }

    /// <summary>Remembers that the fetch page just set up holds, at <paramref name="linear"/>, the instruction in <paramref name="slot"/> (no breakpoint on it).</summary>
    private void RememberFarTarget(ulong linear, int slot)
    {
        ref var f = ref FarTargetOf(linear);
        f.Linear = linear;
        f.Page = _fetchPage;
        f.Host = _fetchHost;
        f.Epoch = _farEpoch;
        f.Generation = _fetchPage!.Generation;
        f.Slot = slot;
    }

    [InlineArray(FarTargetCount)]
    private struct FarTargetArray
    {
        private FarTarget _first;
    }

    private struct FarTarget
    {
        public ulong Linear;
        public CodePage<DecodedInstruction>? Page;
        public byte* Host;
        public uint Epoch;
        public uint Generation;
        public int Slot;
    }
}
