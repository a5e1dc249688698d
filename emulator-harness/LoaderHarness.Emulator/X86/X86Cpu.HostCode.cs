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
    private readonly ulong[] _hostStore = GC.AllocateArray<ulong>(HostState.Count, pinned: true);

    /// <summary>The pinned state block (<see cref="HostState"/>), never moved while the CPU lives.</summary>
    private ulong* HostStateBlock => (ulong*)Unsafe.AsPointer(ref _hostStore[0]);

    /// <summary>
    /// Whether hot blocks compile to host code (<see cref="HostTranslator"/>) rather than IL for the JIT: always where the
    /// runtime has no JIT (the NativeAOT executable), and where it has one when set (tests compare both back ends).
    /// </summary>
    internal bool HostCodeTier { get; set; }

    /// <summary>
    /// Whether host code is made only for blocks that can run long per entry: a loop of compiled instructions, or a path of
    /// at least <see cref="HostYield.MinimumPerEntry"/> of them (<see cref="HostTranslator"/>); on by default, off in tests
    /// that exercise the exits of short blocks.
    /// </summary>
    internal bool HostCodeLongRunsOnly { get; set; } = true;

    private bool UsesHostCode => HostCodeTier || !RuntimeFeature.IsDynamicCodeSupported;

    private protected override bool CompilesToHostCode => UsesHostCode;

    private protected override bool CanCompile => RuntimeFeature.IsDynamicCodeSupported || ExecutableCode.IsSupported;

    /// <summary>The body of a host-code block: calls <paramref name="code"/> through <see cref="RunHostCode"/>, counting what it runs in <paramref name="yield"/>.</summary>
    internal CompiledBlockBody HostBody(ExecutableCode code, bool usesFlags, HostYield yield) => () => RunHostCode(code, usesFlags, yield);

    /// <summary>
    /// What a host-code block ran over its first <see cref="Sample"/> entries. Entering and leaving costs about what the
    /// interpreter takes for a dozen instructions and host code saves two or three nanoseconds on each: a block that
    /// averaged fewer than <see cref="MinimumPerEntry"/> instructions per entry (a loop left at once, every time, through an
    /// exit in it) is given up, and its entry interpreted from then on.
    /// </summary>
    internal sealed class HostYield
    {
        private const int Sample = 256;
        public const int MinimumPerEntry = 32;
        private int _entries;
        private ulong _instructions;

        /// <summary>Whether the block turned out not to pay for its entries.</summary>
        public bool Unprofitable { get; private set; }

        public void Count(ulong ran)
        {
            if (_entries > Sample)
                return;
            _instructions += ran;
            if (++_entries == Sample)
                Unprofitable = _instructions < Sample * MinimumPerEntry;
        }
    }

    /// <summary>
    /// Runs host code: the count, the limit and the TLB's address go to the state block, and the arithmetic flags as RFLAGS
    /// bits when the block reads or writes them; RIP, the count and the flags come back (the flags as explicit bits, as
    /// the interpreter's own <see cref="SetArith"/> records them).
    /// </summary>
    private void RunHostCode(ExecutableCode code, bool usesFlags, HostYield yield)
    {
        var before = _run.Executed;
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
        if (usesFlags)
            s[HostState.Flags] = ArithFlags();
        ((delegate* unmanaged<ulong*, ulong*, void>)code.Entry)(R, s);
        GC.KeepAlive(code); // its finalizer unmaps the code: not before the call returned
        _run.Executed = s[HostState.Executed];
        Rip = s[HostState.Rip];
        if (usesFlags)
            SetArith(s[HostState.Flags]);
        yield.Count(_run.Executed - before);
    }

    /// <summary>Lowers the limit host code reads at its budget checks to 0, as <see cref="Core.RunControl.Break"/> lowers the run's.</summary>
    private void BreakHostCode() => Volatile.Write(ref HostStateBlock[HostState.Limit], 0);
}
