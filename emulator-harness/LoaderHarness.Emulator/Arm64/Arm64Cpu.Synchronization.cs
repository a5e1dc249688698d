namespace LoaderHarness.Emulator.Arm64;

/// <summary>The exclusive monitor (LDXR/STXR), the WFE event register and PSTATE bits kept verbatim.</summary>
public sealed unsafe partial class Arm64Cpu
{
    private bool _exclusiveValid;
    private ulong _exclusiveAddress;
    private int _exclusiveSize;

    internal void SetExclusiveMonitor(ulong address, int size)
    {
        _exclusiveValid = true;
        _exclusiveAddress = address;
        _exclusiveSize = size;
    }

    /// <summary>Whether a store-exclusive to <paramref name="address"/> succeeds; the monitor is cleared either way.</summary>
    internal bool CheckExclusiveMonitor(ulong address, int size)
    {
        var ok = _exclusiveValid && _exclusiveAddress == address && _exclusiveSize == size;
        _exclusiveValid = false;
        return ok;
    }

    internal void ClearExclusiveMonitor() => _exclusiveValid = false;

    internal void SignalEvent() => _eventRegister = true;

    internal bool ConsumeEvent()
    {
        var pending = _eventRegister;
        _eventRegister = false;
        return pending;
    }

    internal void SetKeptPstateBit(int bit, uint value) =>
        _pstateOther = (_pstateOther & ~(1UL << bit)) | ((ulong)(value & 1) << bit);
}
