using LoaderHarness.Emulator.Core;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// One VMM's way of starting a guest of one architecture, value for value: its name, where its sources say the
/// values come from, and the architecture's part — <see cref="X86"/> (layout, zero page / start_info values,
/// vCPU state per entry) or <see cref="Arm64"/> (RAM base, FDT layout, entry EL). Exactly one part is set.
/// The built-in profiles are in <see cref="VmmProfiles"/>.
/// </summary>
public sealed record VmmProfile
{
    /// <summary>Short name used on the command line (spec, firecracker, cloud-hypervisor, crosvm, qemu, spec-el2).</summary>
    public required string Name { get; init; }
    /// <summary>One line saying what the profile reproduces.</summary>
    public required string Summary { get; init; }
    /// <summary>Where the values come from (source file of the VMM, or the spec).</summary>
    public required string Source { get; init; }
    /// <summary>The x86 part, for an x86 VMM profile; null otherwise.</summary>
    public X86ProfileValues? X86 { get; init; }
    /// <summary>The arm64 part, for an arm64 VMM profile; null otherwise.</summary>
    public Arm64ProfileValues? Arm64 { get; init; }

    /// <summary>Whether this profile starts arm64 guests (else x86).</summary>
    public bool IsArm64 => Arm64 is not null;

    /// <summary>The architecture of the guests this profile starts.</summary>
    public GuestArchitecture Architecture => IsArm64 ? GuestArchitecture.Arm64 : GuestArchitecture.X86_64;

    /// <summary>Guest-physical start of RAM: the arm64 VMM's DRAM base, 0 on x86.</summary>
    public ulong RamBase => Arm64?.RamBase ?? 0;

    /// <summary>
    /// Guest RAM of <paramref name="size"/> bytes as this VMM lays it out: arm64 DRAM from <see cref="RamBase"/>;
    /// x86 from 0 with Firecracker's 32-bit MMIO hole at 3 GiB when RAM reaches it.
    /// </summary>
    public GuestMemory CreateMemory(ulong size) =>
        IsArm64 ? new GuestMemory([new GuestRegion(RamBase, size)]) : GuestMemory.WithMmioGap(size);

    /// <summary>The x86 part; throws for an arm64 profile.</summary>
    public X86ProfileValues RequireX86() => X86 ?? throw new ArgumentException($"{Name} is an arm64 profile, not an x86 one");

    /// <summary>The arm64 part; throws for an x86 profile.</summary>
    public Arm64ProfileValues RequireArm64() => Arm64 ?? throw new ArgumentException($"{Name} is an x86 profile, not an arm64 one");

    /// <summary>Whether this VMM can enter a kernel through <paramref name="protocol"/>.</summary>
    public bool Supports(BootProtocol protocol) => protocol switch
    {
        BootProtocol.Arm64 => Arm64 is not null,
        BootProtocol.Pvh or BootProtocol.Linux64 or BootProtocol.Linux32 or BootProtocol.Linux16 =>
            X86 is { } x86 && x86.Supports(X86ProfileValues.ModeOf(protocol)),
        _ => false,
    };

    /// <summary>
    /// <paramref name="request"/> with this VMM's layout and boot-structure values (x86: zero page and start_info
    /// values, an RNG seed derived from <paramref name="seed"/>; arm64: the FDT layout and the arm64 entry).
    /// </summary>
    public GuestSetupRequest Configure(GuestSetupRequest request, int seed = 0) =>
        Arm64 is { } arm64 ? request with { Protocol = BootProtocol.Arm64, Fdt = arm64.Layout } : RequireX86().Configure(request, seed);
}
