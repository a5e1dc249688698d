using LoaderHarness.Emulator.Core;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>The fetch–decode–execute loop, the decoded-instruction cache and run control.</summary>
public sealed unsafe partial class Arm64Cpu
{
    private readonly Dictionary<ulong, A64CodePage> _codePages = [];
    private readonly HashSet<ulong> _breakpoints = [];
    private readonly HashSet<ulong> _stopAddresses = [];
    private readonly HashSet<int> _breakOffsets = [];
    private A64CodePage? _fetchPage;
    private ulong _fetchVaPage = ulong.MaxValue;
    private byte* _fetchHost;

    private ulong _remaining;
    private ulong _executed;
    private ulong _totalExecuted;
    private StopReason _stopReason;
    private string? _stopDetail;

    /// <summary>Instructions completed over the CPU's lifetime.</summary>
    public ulong TotalInstructions => _totalExecuted + _executed;

    /// <summary>Instructions decoded so far (cache misses), for measuring the cache.</summary>
    public ulong DecodedInstructions { get; private set; }

    /// <summary>When set, every executed instruction is written here.</summary>
    public Tracer? Tracer { get; set; }

    /// <summary>Stops before executing the instruction at virtual <paramref name="pc"/> (<see cref="StopReason.Breakpoint"/>).</summary>
    public void AddBreakpoint(ulong pc)
    {
        _breakpoints.Add(pc);
        RebuildBreakOffsets();
    }

    /// <summary>Removes a breakpoint.</summary>
    public void RemoveBreakpoint(ulong pc)
    {
        _breakpoints.Remove(pc);
        RebuildBreakOffsets();
    }

    /// <summary>Stops when execution reaches virtual <paramref name="pc"/> (<see cref="StopReason.AddressReached"/>).</summary>
    public void AddStopAddress(ulong pc)
    {
        _stopAddresses.Add(pc);
        RebuildBreakOffsets();
    }

    /// <summary>Removes a stop address.</summary>
    public void RemoveStopAddress(ulong pc)
    {
        _stopAddresses.Remove(pc);
        RebuildBreakOffsets();
    }

    private void RebuildBreakOffsets()
    {
        _breakOffsets.Clear();
        foreach (var pc in _breakpoints)
            _breakOffsets.Add((int)(pc & 0xFFF));
        foreach (var pc in _stopAddresses)
            _breakOffsets.Add((int)(pc & 0xFFF));
        InvalidateCodeCache();
    }

    /// <summary>Drops every decoded instruction (needed only if guest code was changed from outside the CPU).</summary>
    public void InvalidateCodeCache()
    {
        _codePages.Clear();
        _fetchPage = null;
        FlushTlb();
    }

    /// <summary>
    /// Executes up to <paramref name="budget"/> instructions. Never throws: guest faults are delivered to
    /// the guest, and anything that ends the run is reported as an <see cref="StopReason"/>. A
    /// breakpoint at the starting PC is stepped over, so calling Run again resumes.
    /// </summary>
    public RunResult Run(ulong budget)
    {
        _remaining = budget;
        _stopReason = StopReason.Budget;
        _stopDetail = null;
        _totalExecuted += _executed;
        _executed = 0;
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
                Stop(abort.Reason, $"{abort.Detail} at 0x{Pc:x}");
                break;
            }
            catch (Arm64Abort abort)
            {
                first = false;
                _remaining--;
                TakeException(SyncTargetEl, abort.ExceptionClass, abort.Syndrome, abort.FaultAddress, Pc);
                Pc = NextPc;
            }
            catch (Exception ex)
            {
                Stop(StopReason.InternalError, ex.ToString());
                break;
            }
        }
        return new RunResult(_stopReason, Pc, _executed, _stopDetail);
    }

    private void Loop(ref bool first)
    {
        while (_remaining != 0)
        {
            var pc = Pc;
            if ((pc & 3) != 0)
            {
                _remaining--;
                TakeException(SyncTargetEl, ExceptionClass.PcAlignment, 0, pc, pc);
                Pc = NextPc;
                continue;
            }
            if (pc >> 12 != _fetchVaPage && !SetupFetch(pc))
                return;
            ref var d = ref _fetchPage!.Entries[(pc & 0xFFF) >> 2];
            if (d.Handler == null)
                Decode(ref d, pc);
            if (d.Breakpoint && !first && IsStopPoint(pc))
                return;
            first = false;
            if (Tracer is not null)
                Trace(d.Word, pc);
            _remaining--;
            NextPc = pc + 4;
            d.Handler(this, ref d);
            Pc = NextPc;
            _executed++;
        }
    }

    /// <summary>The trace line of the word at <paramref name="pc"/>: Capstone's text, absolute branch targets.</summary>
    private void Trace(uint word, ulong pc) =>
        Tracer!.Write(pc, word.ToString("x8"), CapstoneA64.Describe(word, pc)?.ToString() ?? $".inst 0x{word:x8}");

    private bool IsStopPoint(ulong pc)
    {
        if (_breakpoints.Contains(pc))
            Stop(StopReason.Breakpoint);
        else if (_stopAddresses.Contains(pc))
            Stop(StopReason.AddressReached);
        else
            return false;
        return true;
    }

    /// <summary>Ends the run after the current instruction.</summary>
    internal void Stop(StopReason reason, string? detail = null)
    {
        _stopReason = reason;
        _stopDetail = detail;
        _remaining = 0;
    }

    /// <summary>From inside a handler: ends the run with PC still at the current instruction, which does not count.</summary>
    internal void StopBefore(StopReason reason, string? detail = null)
    {
        Stop(reason, detail);
        NextPc = Pc;
        _executed--;
    }

    private bool SetupFetch(ulong pc)
    {
        var physical = Translate(pc, AccessKind.Execute, out _);
        var host = Memory.TryTranslate(physical & ~0xFFFUL, out var contiguous);
        if (host == null || contiguous < 4096)
        {
            Stop(StopReason.FetchOutsideRam, $"fetch at 0x{pc:x} (physical 0x{physical:x}) is not RAM");
            return false;
        }
        var ppn = physical >> 12;
        if (!_codePages.TryGetValue(ppn, out var page))
        {
            page = new A64CodePage();
            _codePages[ppn] = page;
            FlushTlb(); // writes to this page must now take the slow path, which invalidates decoded code
        }
        _fetchPage = page;
        _fetchHost = host;
        _fetchVaPage = pc >> 12;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Decode(ref A64Instruction d, ulong pc)
    {
        var offset = (int)(pc & 0xFFF);
        var word = *(uint*)(_fetchHost + offset);
        A64Decoder.Decode(word, ref d);
        d.Breakpoint = _breakOffsets.Count != 0 && _breakOffsets.Contains(offset);
        DecodedInstructions++;
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
