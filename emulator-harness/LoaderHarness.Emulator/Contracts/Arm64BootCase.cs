using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images.Pe;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Everything arm64 contracts look at for one boot: the guest as the loader set it up, the vCPU as the VMM
/// profile left it, and, once the kernel ran, how the run ended and what the kernel recorded.
/// </summary>
public sealed class Arm64BootCase
{
    /// <summary>Creates the case for a guest whose vCPU has been set up (nothing has run yet).</summary>
    public Arm64BootCase(Arm64Cpu cpu, GuestSetupResult guest, Arm64VmmProfile profile)
    {
        Cpu = cpu;
        Guest = guest;
        Profile = profile;
    }

    /// <summary>The vCPU (at entry before the run, at the stop after it).</summary>
    public Arm64Cpu Cpu { get; }

    /// <summary>Guest memory.</summary>
    public GuestMemory Memory => Cpu.Memory;

    /// <summary>What the loader placed.</summary>
    public GuestSetupResult Guest { get; }

    /// <summary>The VMM profile whose vCPU state this is.</summary>
    public Arm64VmmProfile Profile { get; }

    /// <summary>Where the loader put the DTB.</summary>
    public ulong Dtb => Guest.BootStructureAddress;

    /// <summary>The Image header the loader read.</summary>
    public ImageHeader Header => Guest.Kernel.ImageHeader ?? throw new InvalidOperationException("not an Image boot");

    /// <summary>How the run ended; null before it.</summary>
    public RunResult? Run { get; set; }

    /// <summary>What the kernel recorded (real kernels only); null when not read back.</summary>
    public Arm64KernelReadback? Readback { get; set; }
}
