using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What both engines' host-code back ends share on the CPU's side: the pinned state block their code reads and writes
/// (<see cref="HostState"/>), the choice of back end, the call, and the links of host code's exits straight into the next
/// block's code (<see cref="HostChain"/>).
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

    /// <summary>The link cells host code's dynamic exits look their targets up in (<see cref="HostChain.JumpCacheEntries"/>, pinned).</summary>
    private readonly ulong[] _jumpCache = GC.AllocateArray<ulong>(HostChain.JumpCacheEntries * HostChain.CellWords, pinned: true);

    /// <summary>The epoch host code's links are made in (<see cref="HostChain"/>); see <see cref="HostChainEpoch"/>.</summary>
    private ulong _hostChainEpoch = HostChain.First;

    /// <summary>The block cache's epoch (<see cref="CompiledCacheEpoch"/>) when <see cref="_hostChainEpoch"/> was last moved for it.</summary>
    private uint _hostChainCacheEpoch;

    /// <summary>
    /// Every block a cell of the current epoch leads to: host code jumps there without the cache's lookup, so the block
    /// must not be collected (and its code unmapped) before the epoch ends, even once the cache has let it go.
    /// </summary>
    private readonly List<ICompiledBlock> _hostChainTargets = [];

    /// <summary>The epoch <see cref="_hostChainTargets"/> holds the targets of.</summary>
    private ulong _hostChainTargetsEpoch;

    /// <summary>The engine's block cache, whose epoch voids the links and whose counts they feed; null before it has one.</summary>
    private protected abstract IBlockLinkCounts? LinkCounts { get; }

    /// <summary>The engine's interrupt line (x86 INTR, arm64 IRQ), once a controller was wired to it.</summary>
    private protected InterruptInput? _interruptInput;

    private uint CompiledCacheEpoch => LinkCounts?.Epoch ?? 0;

    /// <summary>
    /// The current epoch of host code's links. A link is one the engine's chain made after checking the successor's entry,
    /// page, instruction-TLB mapping and breakpoint mark; each of those changes only where <see cref="VoidHostLinks"/> runs
    /// (a write to decoded code, a TLB flush, a mode or exception-level change) or where the block cache's own epoch moves,
    /// and either moves this epoch, voiding every cell.
    /// </summary>
    private protected ulong HostChainEpoch()
    {
        if (CompiledCacheEpoch != _hostChainCacheEpoch)
        {
            _hostChainCacheEpoch = CompiledCacheEpoch;
            _hostChainEpoch++;
        }
        return _hostChainEpoch;
    }

    /// <summary>Voids every link host code holds (<see cref="HostChainEpoch"/>).</summary>
    private protected void VoidHostLinks() => _hostChainEpoch++;

    /// <summary>The link cell host code last left through unlinked (<see cref="HostState.ExitCell"/>); 0 when it left another way.</summary>
    private protected ulong HostExitCell => HostStateBlock[HostState.ExitCell];

    /// <summary>Links the exit whose cell host code named (<see cref="HostExitCell"/>) to <paramref name="next"/>, the block the chain found at the exit's guest address <paramref name="target"/>, when it is host code.</summary>
    private protected void LinkHostExit(ulong cell, ICompiledBlock next, ExecutableCode? code, ulong target)
    {
        if (code is null)
            return;
        var epoch = HostChainEpoch();
        if (_hostChainTargetsEpoch != epoch)
        {
            _hostChainTargets.Clear();
            _hostChainTargetsEpoch = epoch;
        }
        _hostChainTargets.Add(next);
        var words = (ulong*)cell;
        words[HostChain.Entry] = (ulong)code.ChainEntry;
        words[HostChain.Epoch] = epoch;
        words[HostChain.Target] = target;
    }

    /// <summary>The run's limit as <see cref="CallHostCode"/> last wrote it to the state block.</summary>
    private ulong _hostLimit;

    /// <summary>
    /// Calls host code <paramref name="code"/> on the register array <paramref name="registers"/>, after the engine put its
    /// own slots in the state block: the count, the limit, the TLB's and the jump cache's addresses and the epoch its exits may
    /// chain in go in here, the count and the jumps it made into other blocks come back.
    /// </summary>
    private protected void CallHostCode(ExecutableCode code, ulong* registers)
    {
        var s = HostStateBlock;
        s[HostState.Executed] = _run.Executed;
        s[HostState.Tlb] = (ulong)_tlb;
        // Another thread stops a run by lowering the run's limit and then this slot (RequestStop): whichever order the
        // two threads' writes land in, the lower value ends up here (the fence keeps the re-read after the write). The
        // slot is written only when the run's limit moved since it last was: a stop lowers both, so a lowered slot is
        // never overwritten by a limit read before the stop, and the fence (a fifth of the cost of an entry from the run
        // loop) is paid only when the limit moved (a new run, a timer deadline, a break).
        var limit = Volatile.Read(ref _run.Limit);
        if (limit != _hostLimit)
        {
            Volatile.Write(ref s[HostState.Limit], limit);
            Interlocked.MemoryBarrier();
            _hostLimit = Volatile.Read(ref _run.Limit);
            if (_hostLimit < limit)
                s[HostState.Limit] = _hostLimit;
        }
        s[HostState.JumpCache] = (ulong)Unsafe.AsPointer(ref _jumpCache[0]);
        // An asserted line turns linking off: the run loop must look at it at the next block boundary.
        s[HostState.ChainEpoch] = _interruptInput is { IsAsserted: true } ? HostChain.Off : HostChainEpoch();
        s[HostState.ExitCell] = 0;
        s[HostState.Linked] = 0;
        s[HostState.TlbRefill] = (ulong)(delegate* unmanaged<ulong, int, int>)&RefillFromHostCode;
        _hostCaller = this;
        ((delegate* unmanaged<ulong*, ulong*, void>)code.Entry)(registers, s);
        _hostCaller = null;
        GC.KeepAlive(code); // its finalizer unmaps the code: not before the call returned
        _run.Executed = s[HostState.Executed];
        if (LinkCounts is { } counts && s[HostState.Linked] is var linked and not 0)
        {
            counts.Entries += (long)linked;
            counts.Chained += (long)linked;
            counts.Linked += (long)linked;
        }
    }

    /// <summary>The CPU whose host code runs on this thread now (<see cref="RefillFromHostCode"/>).</summary>
    [ThreadStatic]
    private static GuestCpuCore? _hostCaller;

    /// <summary>
    /// Host code's TLB miss (<see cref="HostTlb.Probe"/>): the engine's walk fills the entry for <paramref name="access"/>
    /// (<see cref="HostTlb.RefillAccess"/>) at <paramref name="address"/>, as its interpreter's access would, and 1 comes back
    /// when the TLB now maps it, so the block goes on instead of leaving to the interpreter at every page it had not touched.
    /// 0 leaves, as it must when the walk voided host code's links (its accessed bits dropped decoded code). Nothing may
    /// unwind through host code: a guest fault (raised again, at the instruction, when the interpreter runs it) or any other
    /// exception is caught here.
    /// </summary>
    [UnmanagedCallersOnly]
    private static int RefillFromHostCode(ulong address, int access)
    {
        try
        {
            var cpu = _hostCaller!;
            var epoch = cpu._hostChainEpoch;
            var mapped = cpu.RefillTlb(address, HostTlb.RefillSize(access), HostTlb.RefillWrites(access));
            return mapped && cpu._hostChainEpoch == epoch ? 1 : 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    /// <summary>The engine's <see cref="SoftMmu.Refill{T}"/> with its own walk.</summary>
    private protected abstract bool RefillTlb(ulong address, int size, bool write);

    /// <summary>Lowers the limit host code reads at its budget checks to 0, as <see cref="RunControl.Break"/> lowers the run's.</summary>
    private protected void BreakHostCode()
    {
        Volatile.Write(ref HostStateBlock[HostState.Limit], 0);
        _hostLimit = 0; // the slot no longer holds the limit last written: the next entry writes it again unless the run's is 0 too
    }
}
