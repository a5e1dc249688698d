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
    /// <summary>The interrupt controller the VMM gives the guest (and its DTB describes).</summary>
    public LoaderHarness.Loader.Boot.Fdt.FdtGicVersion Gic { get; init; } = LoaderHarness.Loader.Boot.Fdt.FdtGicVersion.V3;
    /// <summary>What the VMM's PSCI firmware answers to PSCI_VERSION.</summary>
    public ulong PsciVersion { get; init; } = LoaderHarness.Emulator.Arm64.Psci.Version02;
    /// <summary>
    /// Whether the vCPU starts in the VMM's own boot stub at <see cref="RamBase"/> (QEMU's hw/arm/boot.c
    /// bootloader_aarch64), which vCPU setup runs to the Image's first byte, rather than there with x0 already set.
    /// </summary>
    public bool BootStub { get; init; }
    /// <summary>PSTATE.NZCV at reset, bits [31:28]: architecturally UNKNOWN; QEMU's reset leaves Z set.</summary>
    public uint InitialFlags { get; init; }
}
