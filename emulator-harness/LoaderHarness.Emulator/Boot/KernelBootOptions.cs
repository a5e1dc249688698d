using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>What <see cref="KernelBoot.Run"/> runs to and how it reports.</summary>
public sealed record KernelBootOptions
{
    /// <summary>The kernel's symbols (System.map or recovered kallsyms); must hold <c>_text</c> and <see cref="Until"/>.</summary>
    public required SymbolTable Symbols { get; init; }
    /// <summary>The VMM whose vCPU entry state to use (the guest should have been set up with its <see cref="VmmProfile.Configure"/>).</summary>
    public VmmProfile Profile { get; init; } = VmmProfiles.Firecracker;
    /// <summary>The symbol to stop at (before its first instruction).</summary>
    public string Until { get; init; } = "start_kernel";
    /// <summary>
    /// When set, the CPU has RDRAND and RDSEED (advertised in CPUID) drawing from a generator with this seed, so
    /// KASLR's choice depends on it reproducibly; when null they are absent and the decompressor mixes only RDTSC
    /// (which counts instructions, so the run is reproducible anyway).
    /// </summary>
    public ulong? RandomSeed { get; init; }
    /// <summary>Instruction budget for the whole run.</summary>
    public ulong MaxInstructions { get; init; } = 2_000_000_000;
    /// <summary>Where to trace every instruction (slow), or null.</summary>
    public TextWriter? Trace { get; init; }
    /// <summary>Trace syntax.</summary>
    public TraceSyntax TraceSyntax { get; init; } = TraceSyntax.Gas;
    /// <summary>Called between slices of <see cref="ProgressInterval"/> instructions, or null.</summary>
    public Action<BootProgress>? Progress { get; init; }
    /// <summary>Instructions per slice between progress reports.</summary>
    public ulong ProgressInterval { get; init; } = 20_000_000;
}
