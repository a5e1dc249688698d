using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The fetch–decode–execute loop, the decoded-instruction cache and run control. Instructions run in
/// chains: each cached instruction remembers the slot of its fall-through successor and of its branch
/// target in the same code page, so straight-line code and in-page loops go from handler to handler
/// without looking anything up. One counter comparison per instruction covers the budget, a stop
/// request and every event that makes cached state stale (mode change, TLB flush, code invalidation),
/// all of which lower the run's limit (<see cref="RunControl.Limit"/>).
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private readonly GuestCodeReader _reader;
    private readonly Decoder[] _decoders;
    private DecodedInstruction _scratch;
    private Func<ulong, int>? _slowFetch;

    private CodePage<DecodedInstruction>? _lastPage;
    private int _lastSlot;
    private uint _lastGeneration;
    private Tracer? _tracer;
    private IcedDisassembler? _disassembler;
    private Action<ulong>? _hook;

    /// <summary>When set, every executed instruction is written here (address, optional symbol, bytes, Iced formatting).</summary>
    public Tracer? Tracer
    {
        get => _tracer;
        set
        {
            _tracer = value;
            _disassembler = value is null ? null : new IcedDisassembler(value.Syntax, value.Symbols);
        }
    }

    /// <summary>
    /// Called with the linear address of every instruction before it executes: the cheap per-instruction
    /// hook a tracing harness needs (a counter, a coverage bitmap). Null for none.
    /// </summary>
    public Action<ulong>? InstructionHook
    {
        get => _hook;
        set => _hook = value;
    }

    /// <summary>
    /// The firmware that answers at the trap addresses given to <see cref="AddFirmwareTrap"/> (the BIOS behind
    /// the real-mode interrupt vectors); null for none.
    /// </summary>
    public IX86Firmware? Firmware { get; set; }

    /// <summary>
    /// Makes the instruction boundary at linear <paramref name="linear"/> a firmware entry: before the instruction
    /// there executes, <see cref="Firmware"/> is called, then the instruction runs. Marked in the decoded
    /// instruction like a breakpoint, so it costs nothing per executed instruction elsewhere.
    /// </summary>
    public void AddFirmwareTrap(ulong linear)
    {
        if (_run.AddTrap(linear))
            InvalidateCodeCache();
    }

    /// <summary>Drops every decoded instruction (needed only if guest code was changed from outside the CPU).</summary>
    public override void InvalidateCodeCache()
    {
        _code.Clear();
        _blocks?.Clear();
        _lastPage = null;
        _fetch.Page = null;
        FlushTlb();
    }

    /// <summary>
    /// Executes up to <paramref name="budget"/> instructions. Never throws: guest faults are delivered to
    /// the guest, and anything that ends the run is reported as a <see cref="StopReason"/>. A breakpoint at
    /// the starting RIP is stepped over, so calling Run again resumes.
    /// </summary>
    public RunResult Run(ulong budget)
    {
        _run.Begin(budget);
        var first = true;
        while (true)
        {
            try
            {
                Loop(ref first);
                break;
            }
            catch (GuestFault)
            {
                first = false;
                LeftCompiled();
                // A delivery counts as an instruction: a fault that is its own handler's first instruction
                // would otherwise loop forever without touching the budget.
                _run.Executed++;
                DeliverFault(Fault.Vector, Fault.ErrorCode);
            }
            catch (Exception ex)
            {
                LeftCompiled();
                Stop(StopReason.InternalError, ex.ToString());
                break;
            }
        }
        return _run.Result(Rip);
    }

    /// <summary>Finds (or decodes) the instruction at RIP, checks breakpoints, links the previous chain to it and runs a chain from it.</summary>
    private void Loop(ref bool first)
    {
        while (_run.CanContinue)
        {
            if (_fused && (_tracer is not null || _hook is not null))
            {
                // Fused pairs run two instructions in one handler: a trace would miss the second. Decode afresh, unfused.
                _fused = false;
                InvalidateCodeCache();
            }
            if (_interruptInput is { IsAsserted: true })
                TakePendingInterrupt();
            if (Rip > _fetchLimit)
                Throw(ExceptionVector.GeneralProtection); // segment limit before paging (SDM Vol. 3A §5.3)
            var linear = Mode64 ? Rip : (uint)(_csBase + Rip);
            if (linear >> 12 != _fetch.VirtualPage && !SetupFetch(linear))
                return;
            var page = _fetch.Page!;
            int slot = page.SlotAt(linear);
            if (slot == 0)
                slot = DecodeAt(linear, page);
            ref var d = ref slot != 0 ? ref page.Entries[slot] : ref _scratch;
            if (d.Breakpoint)
            {
                if (!first && _run.StopIfAt(linear))
                    return;
                if (Firmware is { } firmware && _run.IsTrap(linear))
                {
                    // The firmware works on the architectural state; the instruction at the trap (the stub's
                    // IRET) then runs as usual. A firmware that cannot answer stops the run here.
                    firmware.Service(this, linear);
                    if (_run.Stopped)
                        return;
                }
            }
            else if (slot != 0 && _lastPage == page)
                LinkFromLast(page, slot);
            first = false;
            _run.Arm();
            if (_shadowPending)
            {
                // One instruction in the shadow, then back here to take the interrupt.
                _shadowPending = false;
                _run.Limit = Math.Min(_run.Limit, _run.Executed + 1);
            }
            if (_tracer is null && _hook is null)
            {
                if (!_tiered)
                    Chain<Unobserved>(page, slot);
                else if (slot == 0 || !TryRunCompiled(page, slot))
                    Chain<TieredUnobserved>(page, slot);
            }
            else
                Chain<Observed>(page, slot);
        }
    }

    /// <summary>Records in the last instruction of the previous chain that its successor or target is <paramref name="slot"/>.</summary>
    private void LinkFromLast(CodePage<DecodedInstruction> page, int slot)
    {
        if (_lastSlot == 0 || _lastGeneration != page.Generation)
            return;
        Link(ref page.Entries[_lastSlot], Rip, slot * EntryUnits, ref page.Entries[slot]);
    }

    /// <summary>Size of a decoded entry in the units of its links (<see cref="EntryLinks{TEntry}"/>).</summary>
    private static int EntryUnits => EntryLinks<DecodedInstruction>.Units;

    /// <summary>The entry <paramref name="at"/> 16-byte units (<see cref="DecodedInstruction.NextAt"/>) from <paramref name="entries"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref DecodedInstruction EntryAt(ref DecodedInstruction entries, int at) => ref EntryLinks<DecodedInstruction>.At(ref entries, at);

    /// <summary>
    /// Runs instructions from <paramref name="slot"/> (0: the page-straddling one in <see cref="_scratch"/>)
    /// while each one's successor is already linked and nothing lowered the run's limit.
    /// </summary>
    private void Chain<TObservation>(CodePage<DecodedInstruction> page, int slot)
        where TObservation : struct, IObservation
    {
        // The generation goes to its field at once rather than into a local: the loop's registers are better spent on the
        // current entry, which would otherwise be spilled around every handler call.
        _lastGeneration = page.Generation;
        ref var entries = ref MemoryMarshal.GetReference(page.Entries);
        ref var d = ref slot != 0 ? ref Unsafe.Add(ref entries, slot) : ref _scratch;
        var at = slot * EntryUnits; // d's place in the units of its links; 0 for the straddling instruction
        while (true)
        {
            if (TObservation.Enabled)
                Observe(ref d, at);
            NextRip = d.NextIP;
            d.Handler(this, ref d);
            var next = NextRip;
            Rip = next;
            if (++_run.Executed >= _run.Limit)
                break;
            int s = next == d.NextIP ? d.NextAt : next == d.Target ? d.TargetAt : 0;
            if (s == 0)
            {
                // Not linked (a return, an indirect branch, another page): go on here where the loop would only look it up.
                // A tiered chain too: the entry found is checked for a compiled block or its heat below, as a linked one is.
                if ((s = FollowUnlinked(next)) == 0)
                    break;
                s *= EntryUnits;
                if (_fetch.Page != page)
                {
                    page = _fetch.Page!;
                    entries = ref MemoryMarshal.GetReference(page.Entries);
                    _lastGeneration = page.Generation;
                    at = 0; // the instruction just run is in another page: nothing to link from if the chain stops here
                }
                else if (at != 0)
                    Link(ref d, next, s, ref EntryAt(ref entries, s));
            }
            if (TObservation.Tiered && LeaveForCompiled(ref EntryAt(ref entries, s)))
                break;
            at = s;
            d = ref EntryAt(ref entries, s);
        }
        _lastPage = page;
        _lastSlot = at / EntryUnits;
    }

    private void Observe(ref DecodedInstruction d, int at)
    {
        var linear = Mode64 ? Rip : (uint)(_csBase + Rip);
        if (_tracer is not null)
        {
            // A cached instruction lies inside the fetch page; one straddling into the next page (slot 0, at 0)
            // was decoded just now, so the reader still holds its bytes.
            var bytes = at != 0
                ? new ReadOnlySpan<byte>(_fetch.Host + (linear & 0xFFF), d.I.Length)
                : _reader.Bytes.AsSpan(0, Math.Min(_reader.Count, d.I.Length));
            _tracer.Write(linear, Convert.ToHexStringLower(bytes), _disassembler!.Format(in d.I), this);
        }
        _hook?.Invoke(linear);
    }

    /// <summary>Tiered chains: whether the next entry has a compiled block or has just become hot, so the loop should run or compile it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool LeaveForCompiled(ref DecodedInstruction next)
        => next.Compiled > 0 || (next.Compiled == 0 && ++next.Heat == CompileThreshold);

    /// <summary>
    /// Ends the current run after the instruction executing now, with <paramref name="reason"/>: for a device or
    /// harness callback that fires inside an instruction (a console line that announces a milestone).
    /// </summary>
    public void RequestStop(StopReason reason, string? detail = null)
    {
        Stop(reason, detail);
        BreakHostCode(); // host code running on the CPU's thread sees the stop at its next budget check
    }

    /// <summary>Ends the run after the current instruction.</summary>
    internal void Stop(StopReason reason, string? detail = null) => _run.Stop(reason, detail);

    /// <summary>From inside a handler: ends the run with RIP still at the current instruction, which does not count.</summary>
    internal void StopBefore(StopReason reason, string? detail = null)
    {
        Stop(reason, detail);
        NextRip = Rip;
        _run.Executed--;
    }

    /// <summary>
    /// Iterations a REP string instruction executing now may run: what is left of the run's budget, at least 1
    /// (a handler runs only while the count is below the budget). Each iteration counts as one instruction, as
    /// QEMU's icount counts them, so a guest's <c>rep stosb</c> with RCX = -1 ends with the budget.
    /// </summary>
    internal ulong RepAllowance => _run.Budget > _run.Executed ? _run.Budget - _run.Executed : 1;

    /// <summary>
    /// Counts <paramref name="iterations"/> completed REP iterations against the budget; the chain counts the
    /// instruction itself once, so all but one are added here. After a fault mid-way the delivery is the one.
    /// </summary>
    internal void RetireRepeats(ulong iterations)
    {
        if (iterations > 1)
            _run.Executed += iterations - 1;
    }

    /// <summary>
    /// A REP instruction stopped at an iteration boundary with its count not yet zero: RIP stays on it so the
    /// next run resumes it, the interruptible restart the SDM gives REP (Vol. 2B, "REP/REPE/REPZ/REPNE/REPNZ").
    /// </summary>
    internal void RepeatLater() => NextRip = Rip;

    /// <summary>Makes the running chain, and host code at its next basic block, return to <see cref="Loop"/> after the current instruction (an interrupt to take, a device event moved earlier).</summary>
    internal void BreakChain()
    {
        _run.Break();
        BreakHostCode();
    }

    /// <summary>
    /// <see cref="BreakChain"/> where what a link was checked against may have changed (a write to decoded code, a TLB
    /// flush, a mode change): also voids every link host code holds. An interrupt or a device event voids none, so the
    /// kernel's timer ticks do not make every hot exit link afresh (they had, about 2.9 M times on the PVH boot to /init).
    /// </summary>
    internal void BreakLinks()
    {
        BreakChain();
        VoidHostLinks();
    }

    private bool SetupFetch(ulong linear)
    {
        if (TryCachedFetch(linear))
            return true;
        var physical = Translate(linear, AccessKind.Execute, out _);
        var global = WalkedGlobal(linear);
        var host = Memory.TryTranslate(physical & ~0xFFFUL, out var contiguous);
        if (host == null || contiguous < 4096)
        {
            Stop(StopReason.FetchOutsideRam, $"fetch at linear 0x{linear:x} (physical 0x{physical:x}) is not RAM");
            return false;
        }
        _fetch.SetUp(linear, FetchPage(physical >> 12, linear), host, global);
        return true;
    }

    /// <summary>The code page of physical page <paramref name="ppn"/> for a fetch at <paramref name="linear"/>, made when there is none.</summary>
    private CodePage<DecodedInstruction> FetchPage(ulong ppn, ulong linear)
    {
        var page = _code.Fetch(ppn, FetchKey(linear), out var added);
        if (added)
            _mmu.WriteProtect(ppn); // writes to this page must now take the slow path, which invalidates decoded code
        return page;
    }

    /// <summary>Decodes the instruction at <paramref name="linear"/> into <paramref name="page"/>; returns its slot, or 0 when it straddles into the next page (decoded into <see cref="_scratch"/>, not cached).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int DecodeAt(ulong linear, CodePage<DecodedInstruction> page)
    {
        var offset = (int)(linear & 0xFFF);
        if (offset > 4096 - 15 && TryReuseStraddler(linear, offset))
            return 0;
        _reader.Start(_fetch.Host, offset, linear, _slowFetch ??= FetchByteSlow);
        var decoder = _decoders[Bitness == 16 ? 0 : Bitness == 32 ? 1 : 2];
        decoder.IP = Rip;
        decoder.Decode(out var instruction);
        DecodedInstructions++;
        var slot = offset + instruction.Length > 4096 ? 0 : page.Add(offset, instruction.Length);
        ref var d = ref slot != 0 ? ref page.Entries[slot] : ref _scratch;
        Fill(ref d, in instruction, linear);
        if (Rip + (ulong)instruction.Length - 1 > _fetchLimit)
            d.Handler = &FetchBeyondLimit;
        if (slot == 0 && _reader.Count == instruction.Length)
            RememberStraddler(linear);
        return slot;
    }

    /// <summary>The handler of an instruction that ends beyond the CS limit: #GP(0) before it executes (SDM Vol. 3A §5.3).</summary>
    private static void FetchBeyondLimit(X86Cpu c, ref DecodedInstruction d) => c.Throw(ExceptionVector.GeneralProtection);
}
