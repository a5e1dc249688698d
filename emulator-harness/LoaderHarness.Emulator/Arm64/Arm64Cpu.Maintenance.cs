namespace LoaderHarness.Emulator.Arm64;

/// <summary>Counts of cache and TLB maintenance operations (no-ops here, but evidence of what the guest did).</summary>
public sealed unsafe partial class Arm64Cpu
{
    private ulong[] _maintenanceCounts = new ulong[16];

    /// <summary>How often each DC/IC/TLBI operation ran ("dc civac", "tlbi vmalle1" ...).</summary>
    public IReadOnlyDictionary<string, ulong> MaintenanceCounts
    {
        get
        {
            var counts = new Dictionary<string, ulong>();
            for (var id = 0; id < _maintenanceCounts.Length; id++)
                if (_maintenanceCounts[id] != 0)
                    counts[MaintenanceRegistry.Name(id)] = _maintenanceCounts[id];
            return counts;
        }
    }

    internal void RecordMaintenance(int id)
    {
        if (id >= _maintenanceCounts.Length)
            Array.Resize(ref _maintenanceCounts, Math.Max(id + 1, _maintenanceCounts.Length * 2));
        _maintenanceCounts[id]++;
    }
}
