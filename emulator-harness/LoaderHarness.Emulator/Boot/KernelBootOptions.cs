using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>What <see cref="KernelBoot.Run(ReadOnlyMemory{byte}, KernelBootOptions)"/> boots, how far, and how it reports; one set for both architectures.</summary>
public sealed record KernelBootOptions
{
    /// <summary>
    /// The VMM whose layout and vCPU entry state to use; null for <see cref="KernelBoot.DefaultProfile"/> (Firecracker
    /// of the image's architecture, spec for the 32-bit x86 entry Firecracker lacks). A guest set up beforehand
    /// should have been set up with its <see cref="VmmProfile.Configure"/>.
    /// </summary>
    public VmmProfile? Profile { get; init; }
    /// <summary>The x86 entry (Auto: PVH when the ELF has the note, else the 64-bit entry); an arm64 Image has one.</summary>
    public BootProtocol Protocol { get; init; } = BootProtocol.Auto;
    /// <summary>The kernel command line; null for the architecture's default (<see cref="KernelBoot.DefaultCommandLine"/>).</summary>
    public string? CommandLine { get; init; }
    /// <summary>The initrd, if any.</summary>
    public ReadOnlyMemory<byte>? Initrd { get; init; }
    /// <summary>Bytes of guest RAM, laid out as the profile's VMM does.</summary>
    public ulong MemorySize { get; init; } = 1UL << 30;
    /// <summary>
    /// x86: the kernel's symbols (System.map or recovered kallsyms), holding <c>_text</c> and <see cref="Until"/>; null to
    /// recover them from the image's own kallsyms. arm64 reads the Image's own kallsyms.
    /// </summary>
    public SymbolTable? Symbols { get; init; }
    /// <summary>x86: where symbols recovered from the image's kallsyms are kept between runs, keyed by the image's bytes; null for no cache.</summary>
    public KallsymsCache? SymbolCache { get; init; }
    /// <summary>
    /// Where to stop: a kernel symbol (before its first instruction), or a console milestone
    /// (<see cref="ConsoleMilestones.Console"/>, <see cref="ConsoleMilestones.Init"/>, <see cref="ConsoleMilestones.Shutdown"/>).
    /// </summary>
    public string Until { get; init; } = "start_kernel";
    /// <summary>When set, every console line the kernel completes is written here as it happens.</summary>
    public TextWriter? ConsoleEcho { get; init; }
    /// <summary>
    /// Instruction budget for the whole run; null (the default) to size it to the kernel (<see cref="KernelBudget"/>:
    /// the decompressor's share by payload codec and <c>init_size</c>, then <see cref="KernelBudget.KernelAllowance"/>
    /// from the kernel's entry).
    /// </summary>
    public ulong? MaxInstructions { get; init; }
    /// <summary>How the CPU executes: the interpreter, or hot code compiled (both architectures).</summary>
    public EngineTier Engine { get; init; } = EngineTier.Interpreter;

    /// <summary>
    /// With the tiered engine, whether hot blocks are compiled on a worker thread while the CPU interprets them on
    /// (<see cref="Core.GuestCpuCore.CompileInBackground"/>): the same results, sooner with a second core.
    /// </summary>
    public bool CompileInBackground { get; init; }

    /// <summary>Tiered: compile to host code (<see cref="Core.GuestCpuCore.HostCodeTier"/>) even where a JIT exists (tests of that back end).</summary>
    internal bool HostCodeTier { get; init; }
    /// <summary>
    /// x86: when set, the CPU has RDRAND and RDSEED (advertised in CPUID) drawing from a generator with this seed, so
    /// KASLR's choice depends on it reproducibly; when null they are absent and the decompressor mixes only RDTSC
    /// (which counts instructions, so the run is reproducible anyway).
    /// </summary>
    public ulong? RandomSeed { get; init; }
    /// <summary>A seeded fault of the image's architecture injected after the vCPU setup, to see what the kernel makes of it; null for none.</summary>
    public Mutant? Mutant { get; init; }
    /// <summary>Where to trace every instruction (slow), or null.</summary>
    public TextWriter? Trace { get; init; }
    /// <summary>x86 trace syntax (arm64 traces use Capstone's).</summary>
    public TraceSyntax TraceSyntax { get; init; } = TraceSyntax.Gas;
    /// <summary>The trace's layout: Iced lines with changed registers, or QEMU's <c>-d in_asm,cpu</c> log.</summary>
    public TraceFormat TraceFormat { get; init; } = TraceFormat.Iced;
    /// <summary>x86: called between slices of <see cref="ProgressInterval"/> instructions, or null (arm64 runs report their milestones instead).</summary>
    public Action<BootProgress>? Progress { get; init; }
    /// <summary>Instructions per slice between progress reports.</summary>
    public ulong ProgressInterval { get; init; } = 20_000_000;

    /// <summary>The wall-clock limit of the run; past it the run stops with <see cref="StopReason.Timeout"/>. Null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The cap on the process's resident memory (bytes, guest RAM included); past it the run stops with <see cref="StopReason.HostMemoryLimit"/>.</summary>
    public long? MaxHostMemory { get; init; }

    /// <summary>The guard the sessions consult after each run slice (set by <see cref="KernelBoot"/>).</summary>
    internal RunGuard? Guard { get; init; }
}
