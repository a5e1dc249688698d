using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// One VMM's way of starting an arm64 guest: where RAM starts, where the loader puts Image, DTB and initrd,
/// and the vCPU state at entry. The built-in ones are in <see cref="Arm64VmmProfiles"/>.
/// </summary>
public sealed record Arm64VmmProfile
{
    /// <summary>Short name (firecracker, cloud-hypervisor, spec-el2).</summary>
    public required string Name { get; init; }
    /// <summary>One line saying what the profile reproduces.</summary>
    public required string Summary { get; init; }
    /// <summary>Where the values come from.</summary>
    public required string Source { get; init; }
    /// <summary>Guest-physical start of DRAM.</summary>
    public required ulong RamBase { get; init; }
    /// <summary>Where the loader places kernel, DTB and initrd.</summary>
    public required FdtGuestLayout Layout { get; init; }
    /// <summary>EL1h or EL2h.</summary>
    public Arm64EntryLevel EntryLevel { get; init; } = Arm64EntryLevel.El1;
    /// <summary>CNTFRQ_EL0 at entry, in Hz.</summary>
    public ulong CounterFrequency { get; init; } = Arm64VcpuSetup.DefaultCounterFrequency;
}
