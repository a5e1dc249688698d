using LoaderHarness.Emulator.Core.HostCode;
using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.X86.Tier2;
using LoaderHarness.Emulator.X86.Tier2.HostCode;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The CPU's side of the host-code back end (<see cref="HostTranslator"/>): the pinned state block its code reads and
/// writes, and the call into a block, which copies what the code needs in and its results out.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>The body of a host-code block: calls <paramref name="code"/> through <see cref="RunHostCode"/>.</summary>
    internal CompiledBlockBody HostBody(ExecutableCode code) => () => RunHostCode(code);

    /// <summary>RFLAGS' arithmetic flags as <see cref="HostState.Flags"/> holds them.</summary>
    private static ulong PackFlags(ulong rflags) => (rflags & 0xFF) << 8 | (rflags >> 11 & 1);

    /// <summary><see cref="HostState.Flags"/>' word as RFLAGS bits (the arithmetic flags only).</summary>
    private static ulong UnpackFlags(ulong packed) => (packed >> 8 & (FlagBits.CF | FlagBits.PF | FlagBits.AF | FlagBits.ZF | FlagBits.SF)) | (packed & 1) << 11;

    /// <summary>The link cells host code's returns look their targets up in (<see cref="HostChain.JumpCacheEntries"/>, pinned).</summary>
    private readonly ulong[] _jumpCache = GC.AllocateArray<ulong>(HostChain.JumpCacheEntries * HostChain.CellWords, pinned: true);

    /// <summary>The epoch host code's links are made in (<see cref="HostChain"/>); see <see cref="HostChainEpoch"/>.</summary>
    private ulong _hostChainEpoch = HostChain.First;

    /// <summary>The block cache's <see cref="Core.Tiering.CompiledBlockCache{TBlock}.Epoch"/> when <see cref="_hostChainEpoch"/> was last moved for it.</summary>
    private uint _hostChainCacheEpoch;

    /// <summary>
    /// Every block a cell of the current epoch leads to: host code jumps there without the cache's lookup, so the block
    /// must not be collected (and its code unmapped) before the epoch ends, even once the cache has let it go.
    /// </summary>
    private readonly List<X86CompiledBlock> _hostChainTargets = [];

    /// <summary>The epoch <see cref="_hostChainTargets"/> holds the targets of.</summary>
    private ulong _hostChainTargetsEpoch;

    /// <summary>
    /// The current epoch of host code's links. A link is one the chain made after checking the successor's entry, page
    /// generation, instruction-TLB mapping, shape and breakpoint mark; each of those changes only where <see cref="BreakLinks"/>
    /// runs (a write to decoded code, a TLB flush, a mode change) or where the block cache's own epoch moves (an eviction,
    /// a block disowned, the cache cleared), and either moves this epoch, voiding every cell.
    /// </summary>
    private ulong HostChainEpoch()
    {
        if (_blocks!.Epoch != _hostChainCacheEpoch)
        {
            _hostChainCacheEpoch = _blocks.Epoch;
            _hostChainEpoch++;
        }
        return _hostChainEpoch;
    }

    /// <summary>Links the exit whose cell host code named (<see cref="HostState.ExitCell"/>) to <paramref name="next"/>, the block the chain found at the exit's address <paramref name="linear"/>.</summary>
    private void LinkHostExit(ulong cell, X86CompiledBlock next, ulong linear)
    {
        if (next.HostCode is not { } code)
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
        words[HostChain.Target] = linear;
    }

    /// <summary>
    /// Runs host code: the count, the limit, the TLB's address, the arithmetic flags (<see cref="HostState.Flags"/>), the rest
    /// of RFLAGS, the CPL and the epoch its exits may chain in go to the state block; RIP, the count and the flags come back
    /// (the arithmetic flags as explicit bits, as the interpreter's own <see cref="SetArith"/> records them). An asserted interrupt line turns chaining off, as it
    /// stops the CPU's own chain: the run loop must look at it at the next block boundary.
    /// </summary>
    private void RunHostCode(ExecutableCode code)
    {
        var s = HostStateBlock;
        s[HostState.JumpCache] = (ulong)Unsafe.AsPointer(ref _jumpCache[0]);
        s[HostState.FsBase] = SegBase[(int)SegmentRegister.Fs]; // only the interpreter's WRMSR, SWAPGS and segment loads change them
        s[HostState.GsBase] = SegBase[(int)SegmentRegister.Gs];
        s[HostState.FlagsRest] = FlagsRest;
        s[HostState.Cpl] = (ulong)Cpl;
        s[HostState.Flags] = PackFlags(ArithFlags());
        s[HostState.ChainEpoch] = _interruptInput is { IsAsserted: true } ? HostChain.Off : HostChainEpoch();
        s[HostState.ExitCell] = 0;
        s[HostState.Linked] = 0;
        CallHostCode(code, R);
        Rip = s[HostState.Rip];
        FlagsRest = s[HostState.FlagsRest]; // IF as CLI and STI left it: STI sets it only with INTR low, so no interrupt waits
        SetArith(UnpackFlags(s[HostState.Flags]));
        var linked = (long)s[HostState.Linked];
        _blocks!.Entries += linked;
        _blocks.Chained += linked;
        _blocks.Linked += linked;
    }

    /// <summary>The link cell host code last left through unlinked (<see cref="HostState.ExitCell"/>); 0 when it left another way.</summary>
    private ulong HostExitCell => HostStateBlock[HostState.ExitCell];
}
