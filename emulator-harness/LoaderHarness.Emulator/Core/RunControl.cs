namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The bookkeeping of a run that both engines' loops share: the budget, the instruction count, the limit the
/// inner loop compares against (lowered to 0 to make it return: a stop, or state a loop caches went stale),
/// the stop reason, breakpoints and stop addresses. A mutable struct held in a CPU field, so the per-instruction
/// compare is a plain field access; never copy it.
/// </summary>
internal struct RunControl
{
    private readonly HashSet<ulong> _breakpoints = [];
    private readonly HashSet<ulong> _stopAddresses = [];
    private readonly HashSet<ulong> _traps = [];
    private readonly HashSet<int> _pageOffsets = [];
    private ulong _before;

    /// <summary>Creates run control with no breakpoints.</summary>
    public RunControl()
    {
    }

    /// <summary>Instructions this run may complete.</summary>
    public ulong Budget;

    /// <summary>What <see cref="Executed"/> is compared with per instruction: <see cref="Budget"/>, or 0 to make the inner loop return.</summary>
    public ulong Limit;

    /// <summary>Instructions completed during this run.</summary>
    public ulong Executed;

    /// <summary>Whether something ended the run.</summary>
    public bool Stopped;

    /// <summary>Why the run ends (<see cref="StopReason.Budget"/> until something stops it).</summary>
    public StopReason Reason;

    /// <summary>The stop's detail.</summary>
    public string? Detail;

    /// <summary>Instructions completed over the CPU's lifetime.</summary>
    public readonly ulong Total => _before + Executed;

    /// <summary>Whether the outer loop may go on: not stopped and budget left.</summary>
    public readonly bool CanContinue => !Stopped && Executed < Budget;

    /// <summary>Whether any breakpoint or stop address is set.</summary>
    public readonly bool HasStopPoints => _pageOffsets.Count != 0;

    /// <summary>Starts a run of up to <paramref name="budget"/> instructions.</summary>
    public void Begin(ulong budget)
    {
        _before += Executed;
        Executed = 0;
        Budget = budget;
        Limit = budget;
        Stopped = false;
        Reason = StopReason.Budget;
        Detail = null;
    }

    /// <summary>Lets the inner loop run to the end of the budget again.</summary>
    public void Arm() => Limit = Budget;

    /// <summary>Makes the inner loop return after the current instruction (the run goes on).</summary>
    public void Break() => Limit = 0;

    /// <summary>Ends the run after the current instruction.</summary>
    public void Stop(StopReason reason, string? detail)
    {
        Reason = reason;
        Detail = detail;
        Stopped = true;
        Limit = 0;
    }

    /// <summary>The result of the run so far, with the CPU's current instruction pointer.</summary>
    public readonly RunResult Result(ulong pc) => new(Reason, pc, Executed, Detail);

    /// <summary>Adds a breakpoint; true when it was not set (decoded entries must be re-marked).</summary>
    public bool AddBreakpoint(ulong address) => Changed(_breakpoints.Add(address));

    /// <summary>Removes a breakpoint; true when it was set.</summary>
    public bool RemoveBreakpoint(ulong address) => Changed(_breakpoints.Remove(address));

    /// <summary>Adds a stop address; true when it was not set.</summary>
    public bool AddStopAddress(ulong address) => Changed(_stopAddresses.Add(address));

    /// <summary>Removes a stop address; true when it was set.</summary>
    public bool RemoveStopAddress(ulong address) => Changed(_stopAddresses.Remove(address));

    /// <summary>
    /// Adds a firmware trap: the CPU hands control to its firmware before the instruction at
    /// <paramref name="address"/> and the run goes on; true when it was not set.
    /// </summary>
    public bool AddTrap(ulong address) => Changed(_traps.Add(address));

    /// <summary>Whether <paramref name="address"/> is a firmware trap.</summary>
    public readonly bool IsTrap(ulong address) => _traps.Count != 0 && _traps.Contains(address);

    /// <summary>Whether execution must stop (or call the firmware) before <paramref name="address"/>.</summary>
    public readonly bool IsStopPoint(ulong address)
        => _pageOffsets.Count != 0 && (_breakpoints.Contains(address) || _stopAddresses.Contains(address) || _traps.Contains(address));

    /// <summary>Whether some stop point lies at page offset <paramref name="offset"/> (for entries shared by every virtual address of a page).</summary>
    public readonly bool MayStopAtOffset(int offset) => _pageOffsets.Count != 0 && _pageOffsets.Contains(offset);

    /// <summary>Stops the run when <paramref name="address"/> is a breakpoint or stop address; true when it did.</summary>
    public bool StopIfAt(ulong address)
    {
        if (_breakpoints.Contains(address))
            Stop(StopReason.Breakpoint, null);
        else if (_stopAddresses.Contains(address))
            Stop(StopReason.AddressReached, null);
        else
            return false;
        return true;
    }

    private readonly bool Changed(bool changed)
    {
        if (changed)
        {
            _pageOffsets.Clear();
            foreach (var a in _breakpoints)
                _pageOffsets.Add((int)(a & 0xFFF));
            foreach (var a in _stopAddresses)
                _pageOffsets.Add((int)(a & 0xFFF));
            foreach (var a in _traps)
                _pageOffsets.Add((int)(a & 0xFFF));
        }
        return changed;
    }
}
