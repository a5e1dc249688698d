using LoaderHarness.Emulator.Core.HostCode;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>The exclusive monitor (LDXR/STXR), the WFE event register and PSTATE bits kept verbatim.</summary>
public sealed unsafe partial class Arm64Cpu
{
    // The exclusive monitor lives in the host-code state block, where compiled LDXR and STXR use it too.

    internal void SetExclusiveMonitor(ulong address, int size)
    {
        HostStateBlock[HostState.MonitorAddress] = address;
        HostStateBlock[HostState.MonitorSize] = (ulong)size;
    }

    /// <summary>Whether a store-exclusive to <paramref name="address"/> succeeds; the monitor is cleared either way.</summary>
    internal bool CheckExclusiveMonitor(ulong address, int size)
    {
        var ok = HostStateBlock[HostState.MonitorSize] == (ulong)size && HostStateBlock[HostState.MonitorAddress] == address;
        ClearExclusiveMonitor();
        return ok;
    }

    internal void ClearExclusiveMonitor() => HostStateBlock[HostState.MonitorSize] = 0;

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
