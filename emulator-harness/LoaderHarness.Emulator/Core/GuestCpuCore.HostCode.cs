using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core.HostCode;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What both engines' host-code back ends share on the CPU's side: the pinned state block their code reads and writes
/// (<see cref="HostState"/>), the choice of back end, and the call, with the count, the limit and the TLB in and the count out.
/// </summary>
public abstract unsafe partial class GuestCpuCore
{
    private readonly ulong[] _hostStore = GC.AllocateArray<ulong>(HostState.Count, pinned: true);

    /// <summary>The pinned state block (<see cref="HostState"/>), never moved while the CPU lives.</summary>
    private protected ulong* HostStateBlock => (ulong*)Unsafe.AsPointer(ref _hostStore[0]);

    /// <summary>
    /// Whether hot blocks compile to host code rather than IL for the JIT: always where the runtime has no JIT (the
    /// NativeAOT executable), and where it has one when set (tests compare both back ends).
    /// </summary>
    internal bool HostCodeTier { get; set; }

    private protected bool UsesHostCode => HostCodeTier || !RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>
    /// Calls host code <paramref name="code"/> on the register array <paramref name="registers"/>, after the engine put its
    /// own slots in the state block: the count, the limit and the TLB's address go in here, the count comes back.
    /// </summary>
    private protected void CallHostCode(ExecutableCode code, ulong* registers)
    {
        var s = HostStateBlock;
        s[HostState.Executed] = _run.Executed;
        s[HostState.Tlb] = (ulong)_tlb;
        // Another thread stops a run by lowering the run's limit and then this slot (RequestStop): whichever order the
        // two threads' writes land in, the lower value ends up here (the fence keeps the re-read after the write).
        Volatile.Write(ref s[HostState.Limit], _run.Limit);
        Interlocked.MemoryBarrier();
        var limit = Volatile.Read(ref _run.Limit);
        if (limit < s[HostState.Limit])
            s[HostState.Limit] = limit;
        ((delegate* unmanaged<ulong*, ulong*, void>)code.Entry)(registers, s);
        GC.KeepAlive(code); // its finalizer unmaps the code: not before the call returned
        _run.Executed = s[HostState.Executed];
    }

    /// <summary>Lowers the limit host code reads at its budget checks to 0, as <see cref="RunControl.Break"/> lowers the run's.</summary>
    private protected void BreakHostCode() => Volatile.Write(ref HostStateBlock[HostState.Limit], 0);
}
