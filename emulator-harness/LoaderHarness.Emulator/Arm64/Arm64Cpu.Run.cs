using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The fetch–decode–execute loop over the shared code cache and run control. Instructions run in chains, as the x86
/// engine's (<c>X86Cpu.Run.cs</c>): each cached instruction remembers the slot of the instruction after it and of its
/// branch target in the same code page, so straight-line code and in-page loops go from handler to handler without
/// looking anything up. One counter comparison per instruction covers the budget, a stop request, a timer deadline,
/// an interrupt and every event that makes cached state stale (a TLB flush, code invalidation), all of which lower
/// the run's limit (<see cref="RunControl.Limit"/>).
/// </summary>
public sealed unsafe partial class Arm64Cpu
{

    private CodePage<A64Instruction>? _lastPage;
    private int _lastSlot;
    private uint _lastGeneration;
    private ulong _lastPc;
    private Tracer? _tracer;

    /// <summary>When set, every executed instruction is written here (PC, optional symbol, word, Capstone's text).</summary>
    public Tracer? Tracer
    {
        get => _tracer;
        set
        {
            _tracer = value;
            _run.Break(); // a running chain is of one kind, traced or not: the loop picks the kind anew
        }
    }

    /// <summary>Drops every decoded instruction and every compiled block (needed only if guest code was changed from outside the CPU), as the x86 engine does.</summary>
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
    /// the guest, and anything that ends the run is reported as a <see cref="StopReason"/>. A
    /// breakpoint at the starting PC is stepped over, so calling Run again resumes.
    /// </summary>
    public RunResult Run(ulong budget)
    {
        _run.Begin(budget);
        if (_interruptInput is { IsAsserted: true } || _timerArmed)
            _run.Break(); // look at the pending interrupt and the next timer deadline before the first instruction
        var first = true;
        while (true)
        {
            try
            {
                Loop(ref first);
                break;
            }
            catch (Arm64Abort abort) when (abort.IsStop)
            {
                LeftCompiled();
                Stop(abort.Reason, $"{abort.Detail} at 0x{Pc:x}");
                break;
            }
            catch (Arm64Abort abort)
            {
                first = false;
                LeftCompiled();
                // The delivery counts as an instruction (the aborted one did not): a handler that faults at
                // once could otherwise loop forever without touching the budget.
                CountDelivery();
                TakeException(SyncTargetEl, abort.ExceptionClass, abort.Syndrome, abort.FaultAddress, Pc);
                Pc = NextPc;
            }
            catch (Exception ex)
            {
                LeftCompiled();
                Stop(StopReason.InternalError, ex.ToString());
                break;
            }
        }
        return _run.Result(Pc);
    }

    /// <summary>
    /// Does the work of an instruction boundary where the run's limit was reached (timers, a pending interrupt), finds
    /// (or decodes) the instruction at PC, checks breakpoints, links the previous chain to it and runs a chain from it.
    /// </summary>
    private void Loop(ref bool first)
    {
        while (true)
        {
            if (_run.Executed >= _run.Limit)
            {
                if (!_run.CanContinue)
                    return;
                _run.Arm();
                if (_timerArmed)
                    UpdateTimers();
                if (_interruptInput is { IsAsserted: true })
                    TakePendingInterrupt();
                if (_timerArmed)
                    ServiceTimers();
            }
            var pc = Pc;
            if ((pc & 3) != 0)
            {
                TakeException(SyncTargetEl, ExceptionClass.PcAlignment, 0, pc, pc);
                Pc = NextPc;
                CountDelivery(); // the delivery counts, as a taken abort's does
                continue;
            }
            if (pc >> 12 != _fetch.VirtualPage && !SetupFetch(pc))
                return;
            var page = _fetch.Page!;
            // Unchecked indexing: a slot is below Count, within the page's entries.
            int slot = page.SlotAt(pc);
            if (slot == 0)
                slot = Decode(page, pc);
            ref var d = ref Unsafe.Add(ref MemoryMarshal.GetReference(page.Entries), slot);
            if (d.Breakpoint)
            {
                if (!first && _run.StopIfAt(pc))
                    return;
            }
            else if (_lastPage == page)
                LinkFromLast(page, slot, pc);
            first = false;
            if (_tracer is not null)
                Chain<Observed>(page, slot);
            else if (!_tiered)
                Chain<Unobserved>(page, slot);
            else if (!(IsHot(ref d) && TryRunCompiled(page, slot, pc)))
                Chain<TieredUnobserved>(page, slot);
        }
    }

    /// <summary>Records in the last instruction of the previous chain (at <see cref="_lastPc"/>) that the instruction at <paramref name="pc"/> is <paramref name="slot"/>.</summary>
    private void LinkFromLast(CodePage<A64Instruction> page, int slot, ulong pc)
    {
        if (_lastSlot == 0 || _lastGeneration != page.Generation)
            return;
        Link(ref page.Entries[_lastSlot], _lastPc, pc, slot * EntryUnits);
    }

    /// <summary>Size of a decoded entry in the units of its links (<see cref="EntryLinks{TEntry}"/>).</summary>
    private static int EntryUnits => EntryLinks<A64Instruction>.Units;

    /// <summary>
    /// Runs instructions from <paramref name="slot"/> while each one's successor is already linked (or found in a cached
    /// page without a lookup the loop would do differently) and nothing lowered the run's limit.
    /// </summary>
    private void Chain<TObservation>(CodePage<A64Instruction> page, int slot)
        where TObservation : struct, IObservation
    {
        // The generation goes to its field at once rather than into a local, as in the x86 chain: the loop's registers
        // are better spent on the current entry. Until the chain ends there is nothing to link from: an abort out of a
        // handler leaves it without recording where it was.
        _lastPage = null;
        _lastGeneration = page.Generation;
        ref var entries = ref MemoryMarshal.GetReference(page.Entries);
        var at = slot * EntryUnits; // d's place in the units of its links
        ref var d = ref EntryLinks<A64Instruction>.At(ref entries, at);
        var pc = Pc;
        while (true)
        {
            if (TObservation.Enabled)
                Trace(d.Word, pc);
            NextPc = pc + 4;
            d.Handler(this, ref d);
            var next = NextPc;
            Pc = next;
            if (++_run.Executed >= _run.Limit)
                break;
            int s = next == pc + 4 ? d.NextAt : next == pc + d.Imm ? d.TargetAt : 0;
            if (s == 0)
            {
                // Not linked (a return, an indirect branch, an exception, another page, the first time): go on here where
                // the loop would only look it up. A tiered chain too: the entry found is checked for heat below.
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
                else
                    Link(ref d, pc, next, s);
            }
            if (TObservation.Tiered && IsHot(ref EntryLinks<A64Instruction>.At(ref entries, s)) && TryRunCompiled(page, s / EntryUnits, next))
            {
                at = 0; // compiled code ran on from next: the loop goes on from wherever it left
                break;
            }
            at = s;
            pc = next;
            d = ref EntryLinks<A64Instruction>.At(ref entries, s);
        }
        _lastPage = page;
        _lastSlot = at / EntryUnits;
        _lastPc = pc;
    }

    /// <summary>The trace line of the word at <paramref name="pc"/>: Capstone's text, absolute branch targets.</summary>
    private void Trace(uint word, ulong pc) =>
        _tracer!.Write(pc, word.ToString("x8"), CapstoneA64.Describe(word, pc)?.ToString() ?? $".inst 0x{word:x8}", this);

    /// <summary>Ends the run after the current instruction (from a device or session callback during a run).</summary>
    public void RequestStop(StopReason reason, string? detail = null)
    {
        Stop(reason, detail);
        BreakHostCode(); // host code running on the CPU's thread sees the stop at its next budget check
    }

    /// <summary>Ends the run after the current instruction.</summary>
    internal void Stop(StopReason reason, string? detail = null) => _run.Stop(reason, detail);

    /// <summary>From inside a handler: ends the run with PC still at the current instruction, which does not count.</summary>
    internal void StopBefore(StopReason reason, string? detail = null)
    {
        Stop(reason, detail);
        NextPc = Pc;
        _run.Executed--;
    }

    private bool SetupFetch(ulong pc)
    {
        if (_fetch.TryCached(pc, default))
            return true;
        var physical = Translate(pc, AccessKind.Execute, out _);
        var host = Memory.TryTranslate(physical & ~0xFFFUL, out var contiguous);
        if (host == null || contiguous < 4096)
        {
            Stop(StopReason.FetchOutsideRam, $"fetch at 0x{pc:x} (physical 0x{physical:x}) is not RAM");
            return false;
        }
        var ppn = physical >> 12;
        var page = _code.Fetch(ppn, default, out var added);
        if (added)
            _mmu.WriteProtect(ppn); // writes to this page must now take the slow path, which invalidates decoded code
        _fetch.SetUp(pc, page, host, global: false);
        return true;
    }

    /// <summary>Decodes the word at <paramref name="pc"/> into a new entry of <paramref name="page"/>; returns its slot.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Decode(CodePage<A64Instruction> page, ulong pc)
    {
        var offset = (int)(pc & 0xFFF);
        var slot = page.Add(offset, 4);
        ref var d = ref page.Entries[slot];
        A64Decoder.Decode(*(uint*)(_fetch.Host + offset), ref d); // total: every word gets a handler (an Unimplemented one at worst)
        d.Breakpoint = _run.MayStopAtOffset(offset);
        DecodedInstructions++;
        return slot;
    }

    /// <summary>Whether the word at <paramref name="va"/> is a hint (NOP, YIELD ...): a <c>b</c> back to it is a spin.</summary>
    internal bool IsSpinHint(ulong va)
    {
        try
        {
            var pa = Translate(va, AccessKind.Execute, out _);
            var word = (uint)ReadPhysical(pa, 4);
            return (word & 0xFFFF_F01F) == 0xD503_201F && ((word >> 5) & 0x7F) is 0 or 1;
        }
        catch (Arm64Abort)
        {
            return false;
        }
    }
}
