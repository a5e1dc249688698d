using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Everything contracts look at for one boot: the guest as the loader set it up, the vCPU as the VMM profile
/// left it, and, once the kernel ran, how the run ended.
/// </summary>
public sealed class BootCase
{
    /// <summary>Creates the case for a guest whose vCPU has been set up (nothing has run yet).</summary>
    public BootCase(X86Cpu cpu, GuestSetupResult guest, VmmProfile profile)
    {
        Cpu = cpu;
        Guest = guest;
        Profile = profile;
        Mode = VmmProfile.ModeOf(guest.Protocol);
    }

    /// <summary>The vCPU (at entry before the run, at the stop after it).</summary>
    public X86Cpu Cpu { get; }

    /// <summary>Guest memory.</summary>
    public GuestMemory Memory => Cpu.Memory;

    /// <summary>What the loader placed.</summary>
    public GuestSetupResult Guest { get; }

    /// <summary>The VMM profile whose vCPU state this is.</summary>
    public VmmProfile Profile { get; }

    /// <summary>The entry mode.</summary>
    public X86EntryMode Mode { get; }

    /// <summary>How the run ended; null before it.</summary>
    public RunResult? Run { get; set; }

    /// <summary>Whether the kernel was loaded from a vmlinux ELF (as opposed to a bzImage).</summary>
    public bool IsVmlinux => Guest.Kernel.Format == LoaderHarness.Loader.Images.ImageFormat.Elf;

    /// <summary>Whether the boot structure is a zero page (the 32- and 64-bit Linux entries).</summary>
    public bool HasZeroPage => Mode is X86EntryMode.Long64 or X86EntryMode.Protected32;

    /// <summary>The boot structure's address (zero page, start_info, or real-mode base).</summary>
    public ulong Structure => Guest.BootStructureAddress;
}
