using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Everything contracts look at for one boot, whatever the architecture: the guest as the loader set it up,
/// the vCPU as the VMM profile left it, and, once the kernel ran, how the run ended and what the kernel
/// recorded. Contracts of one architecture reach that architecture's registers through <see cref="X86"/> or
/// <see cref="Arm64"/>.
/// </summary>
public sealed class BootCase
{
    /// <summary>Creates the case for a guest whose vCPU has been set up (nothing has run yet).</summary>
    public BootCase(IGuestCpu cpu, GuestSetupResult guest, VmmProfile profile)
    {
        Cpu = cpu;
        Guest = guest;
        Profile = profile;
        Mode = cpu.Architecture == GuestArchitecture.X86_64 ? X86ProfileValues.ModeOf(guest.Protocol) : null;
    }

    /// <summary>The vCPU (at entry before the run, at the stop after it).</summary>
    public IGuestCpu Cpu { get; }

    /// <summary>
    /// What the guest printed: the CPU's console device unless the boot session set it (x86 boots own COM1).
    /// </summary>
    public string Console
    {
        get => _console ?? Cpu.ConsoleText;
        set => _console = value;
    }

    private string? _console;

    /// <summary>
    /// The last <paramref name="lines"/> lines the kernel printed, on one line: a fixture stub prints a few check
    /// lines, a real kernel thousands, and a verdict's detail should stay readable.
    /// </summary>
    public string ConsoleTail(int lines = 4)
    {
        var all = Console.TrimEnd().Split('\n');
        return string.Join(" | ", all[Math.Max(0, all.Length - lines)..].Select(l => l.TrimEnd('\r')));
    }

    /// <summary>The x86 vCPU; throws on an arm64 boot.</summary>
    public X86Cpu X86 => Cpu as X86Cpu ?? throw new InvalidOperationException("not an x86 boot");

    /// <summary>The arm64 vCPU; throws on an x86 boot.</summary>
    public Arm64Cpu Arm64 => Cpu as Arm64Cpu ?? throw new InvalidOperationException("not an arm64 boot");

    /// <summary>Guest memory.</summary>
    public GuestMemory Memory => Cpu.Memory;

    /// <summary>What the loader placed.</summary>
    public GuestSetupResult Guest { get; }

    /// <summary>The VMM profile whose vCPU state this is.</summary>
    public VmmProfile Profile { get; }

    /// <summary>How the run ended; null before it.</summary>
    public RunResult? Run { get; set; }

    /// <summary>A real kernel's boot: the milestone it was asked to reach; null for a bare run (fixture stubs).</summary>
    public string? Until { get; set; }

    /// <summary>Whether <see cref="Until"/> was reached.</summary>
    public bool Reached { get; set; }

    /// <summary>How a real kernel's boot ended, in words (stop, place, phase, budget, last console line), for verdicts.</summary>
    public string? StopSummary { get; set; }

    /// <summary>What the kernel recorded about its boot (real kernels only); null when not read back.</summary>
    public KernelReadback? Readback { get; set; }

    /// <summary>The boot structure's address: zero page, start_info or real-mode base on x86, the DTB on arm64.</summary>
    public ulong Structure => Guest.BootStructureAddress;

    /// <summary>x86: the entry mode; null on arm64.</summary>
    public X86EntryMode? Mode { get; }

    /// <summary>x86: whether the kernel was loaded from a vmlinux ELF (as opposed to a bzImage).</summary>
    public bool IsVmlinux => Guest.Kernel.Format == LoaderHarness.Loader.Images.ImageFormat.Elf;

    /// <summary>x86: whether the boot structure is a zero page (the 32- and 64-bit Linux entries).</summary>
    public bool HasZeroPage => Mode is X86EntryMode.Long64 or X86EntryMode.Protected32;

    /// <summary>arm64: where the loader put the DTB.</summary>
    public ulong Dtb => Guest.BootStructureAddress;

    /// <summary>arm64: the Image header the loader read.</summary>
    public ImageHeader Header => Guest.Kernel.ImageHeader ?? throw new InvalidOperationException("not an Image boot");
}
