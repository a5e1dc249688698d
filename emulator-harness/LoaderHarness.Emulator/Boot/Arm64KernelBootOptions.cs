using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;

namespace LoaderHarness.Emulator.Boot;

/// <summary>What <see cref="Arm64KernelBoot.Run"/> boots and how far.</summary>
public sealed record Arm64KernelBootOptions
{
    /// <summary>The VMM whose layout and vCPU entry state to use.</summary>
    public VmmProfile Profile { get; init; } = VmmProfiles.FirecrackerArm64;
    /// <summary>The kernel command line (<c>/chosen/bootargs</c>).</summary>
    public string CommandLine { get; init; } = "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1";
    /// <summary>The initrd, if any.</summary>
    public ReadOnlyMemory<byte>? Initrd { get; init; }
    /// <summary>Bytes of RAM from the profile's RAM base.</summary>
    public ulong MemorySize { get; init; } = 512UL << 20;
    /// <summary>The symbol to stop at (before its first instruction).</summary>
    public string Until { get; init; } = "start_kernel";
    /// <summary>Instruction budget for the whole run.</summary>
    public ulong MaxInstructions { get; init; } = 2_000_000_000;
    /// <summary>A seeded fault injected after the vCPU setup, to see what the kernel makes of it; null for none.</summary>
    public Arm64Mutant? Mutant { get; init; }
    /// <summary>Where to trace every instruction (slow), or null.</summary>
    public TextWriter? Trace { get; init; }
}
