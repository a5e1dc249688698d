using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Devices.Gic;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The one way into vCPU setup for either architecture: creates the profile's CPU over guest memory and puts
/// it in the state the VMM gives it before the kernel's first instruction. What that state is stays per
/// architecture (<see cref="X86VcpuSetup"/>, <see cref="Arm64VcpuSetup"/>).
/// </summary>
public static class VcpuSetup
{
    /// <summary>A CPU of <paramref name="profile"/>'s architecture over <paramref name="memory"/>, in its entry state for <paramref name="guest"/>.</summary>
    /// <exception cref="LoaderHarness.Loader.Errors.LoaderException">An x86 profile has no entry for the guest's protocol.</exception>
    /// <exception cref="ArgumentException">The guest was set up for the other architecture.</exception>
    /// <param name="memory">Guest RAM.</param>
    /// <param name="guest">What the loader set up.</param>
    /// <param name="profile">The VMM.</param>
    /// <param name="engine">How the CPU executes.</param>
    public static IGuestCpu Create(GuestMemory memory, GuestSetupResult guest, VmmProfile profile, EngineTier engine = EngineTier.Interpreter)
    {
        IGuestCpu cpu = profile.IsArm64 ? CreateArm64(memory, profile.RequireArm64(), engine) : new X86Cpu(memory) { Engine = engine };
        Apply(cpu, guest, profile);
        return cpu;
    }

    /// <summary>
    /// An arm64 CPU with the GIC the profile's device tree describes, at QEMU virt's addresses (FdtArm64Platform,
    /// hw/arm/virt.c base_memmap VIRT_GIC_DIST, VIRT_GIC_CPU / VIRT_GIC_REDIST, VIRT_GIC_V2M), the timers and
    /// PL011 wired to it.
    /// </summary>
    private static Arm64Cpu CreateArm64(GuestMemory memory, Arm64ProfileValues arm64, EngineTier engine)
    {
        var cpu = new Arm64Cpu(memory) { Engine = engine };
        var platform = new FdtArm64Platform();
        if (arm64.Gic == FdtGicVersion.V2)
            cpu.ConnectGic(new GicV2(), platform.GicDistributor.Address, platform.GicCpuInterface.Address, QemuVirtGicV2mBase);
        else
            cpu.ConnectGic(new GicV3(), platform.GicDistributor.Address, platform.GicRedistributorBase);
        return cpu;
    }

    /// <summary>hw/arm/virt.c base_memmap VIRT_GIC_V2M.</summary>
    private const ulong QemuVirtGicV2mBase = 0x0802_0000;

    /// <summary>Puts <paramref name="cpu"/> in <paramref name="profile"/>'s entry state for <paramref name="guest"/>.</summary>
    /// <exception cref="ArgumentException">The CPU, the profile and the guest are not all of one architecture.</exception>
    public static void Apply(IGuestCpu cpu, GuestSetupResult guest, VmmProfile profile)
    {
        switch (cpu)
        {
            case X86Cpu x86:
                X86VcpuSetup.Apply(x86, guest, profile);
                break;
            case Arm64Cpu arm64:
                Arm64VcpuSetup.Apply(arm64, guest, profile);
                break;
            default:
                throw new ArgumentException($"no vCPU setup for {cpu.GetType().Name}", nameof(cpu));
        }
    }
}
