using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The arm64 part of a <see cref="VmmProfile"/>: where RAM starts, where the loader puts Image, DTB and
/// initrd, and the vCPU state at entry.
/// </summary>
public sealed record Arm64ProfileValues
{
    /// <summary>Guest-physical start of DRAM.</summary>
    public required ulong RamBase { get; init; }
    /// <summary>Where the loader places kernel, DTB and initrd.</summary>
    public required FdtGuestLayout Layout { get; init; }
    /// <summary>EL1h or EL2h.</summary>
    public Arm64EntryLevel EntryLevel { get; init; } = Arm64EntryLevel.El1;
    /// <summary>CNTFRQ_EL0 at entry, in Hz.</summary>
    public ulong CounterFrequency { get; init; } = Arm64VcpuSetup.DefaultCounterFrequency;
}
