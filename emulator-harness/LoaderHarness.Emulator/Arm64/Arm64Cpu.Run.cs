using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>The fetch–decode–execute loop over the shared code cache and run control.</summary>
public sealed unsafe partial class Arm64Cpu
{
    private CodePage<A64Instruction>? _fetchPage;
    private readonly InstructionTlb<A64Instruction> _itlb = new();

    /// <summary>Fetch setups served by the instruction TLB (<see cref="InstructionTlb{TEntry}"/>), for tests and measurements.</summary>
    public ulong FetchCacheHits => _itlb.Hits;

    /// <summary>Fetch setups that walked the page tables (instruction TLB misses), for tests and measurements.</summary>
    public ulong FetchCacheMisses => _itlb.Misses;
    private ulong _fetchVaPage = ulong.MaxValue;
    private byte* _fetchHost;

    /// <summary>When set, every executed instruction is written here (PC, optional symbol, word, Capstone's text).</summary>
    public Tracer? Tracer { get; set; }

    /// <summary>Drops every decoded instruction and every compiled block (needed only if guest code was changed from outside the CPU), as the x86 engine does.</summary>
    public override void InvalidateCodeCache()
    {
        _code.Clear();
        _blocks?.Clear();
        _fetchPage = null;
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

    /// <summary>Runs instructions until the run's limit drops (a stop, the budget), looking each up in its code page.</summary>
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
            if (pc >> 12 != _fetchVaPage && !SetupFetch(pc))
                return;
            var page = _fetchPage!;
            // Unchecked indexing: the offset is below 4096 = Slots.Length, and a slot is below Count <= Entries.Length.
            int slot = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(page.Slots), (int)(pc & 0xFFF));
            if (slot == 0)
                slot = Decode(page, pc);
            ref var d = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(page.Entries), slot);
            if (d.Breakpoint && !first && _run.StopIfAt(pc))
                return;
            first = false;
            if (Tracer is not null)
                Trace(d.Word, pc);
            else if (_tiered && (d.Compiled > 0 || (d.Compiled == 0 && ++d.Heat >= CompileThreshold)) && TryRunCompiled(page, slot, pc))
                continue; // the entry's counter is kept here, so an interpreted instruction of a cold entry makes no call
            NextPc = pc + 4;
            d.Handler(this, ref d);
            Pc = NextPc;
            _run.Executed++;
        }
    }

    /// <summary>The trace line of the word at <paramref name="pc"/>: Capstone's text, absolute branch targets.</summary>
    private void Trace(uint word, ulong pc) =>
        Tracer!.Write(pc, word.ToString("x8"), CapstoneA64.Describe(word, pc)?.ToString() ?? $".inst 0x{word:x8}", this);

    /// <summary>Ends the run after the current instruction (from a device or session callback during a run).</summary>
    public void RequestStop(StopReason reason, string? detail = null) => Stop(reason, detail);

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
        if (_itlb.TryGet(pc >> 12, default, out var cached, out var cachedHost))
        {
            _fetchPage = cached;
            _fetchHost = cachedHost;
            _fetchVaPage = pc >> 12;
            return true;
        }
        var physical = Translate(pc, AccessKind.Execute, out _);
        var host = Memory.TryTranslate(physical & ~0xFFFUL, out var contiguous);
        if (host == null || contiguous < 4096)
        {
            Stop(StopReason.FetchOutsideRam, $"fetch at 0x{pc:x} (physical 0x{physical:x}) is not RAM");
            return false;
        }
        var ppn = physical >> 12;
        _fetchPage = _code.Fetch(ppn, default, out var added);
        if (added)
            _mmu.WriteProtect(ppn); // writes to this page must now take the slow path, which invalidates decoded code
        _fetchHost = host;
        _fetchVaPage = pc >> 12;
        _itlb.Remember(_fetchVaPage, _fetchPage, host);
        return true;
    }

    /// <summary>Decodes the word at <paramref name="pc"/> into a new entry of <paramref name="page"/>; returns its slot.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Decode(CodePage<A64Instruction> page, ulong pc)
    {
        var offset = (int)(pc & 0xFFF);
        var slot = page.Add(offset, 4);
        ref var d = ref page.Entries[slot];
        A64Decoder.Decode(*(uint*)(_fetchHost + offset), ref d); // total: every word gets a handler (an Unimplemented one at worst)
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
