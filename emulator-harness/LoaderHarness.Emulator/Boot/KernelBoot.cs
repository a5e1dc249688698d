using System.Diagnostics;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Reports;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Boots a real Linux kernel hardware-free, either architecture, the way a VMM profile would start it, until a
/// kernel symbol is reached (<c>start_kernel</c> by default); then reads back what the kernel accepted from its
/// own memory and judges the entry state, the run and the readback with the contract catalogue. The image
/// decides the engine: an arm64 Image (or Image.gz) runs on the A64 interpreter, a vmlinux or bzImage on x86.
/// How the milestone is found is per architecture: <see cref="X86BootSession"/> (a bzImage's decompressor may
/// move and relocate the kernel), <see cref="Arm64KernelBoot"/> (the Image's boot path, physical then virtual).
/// </summary>
public static class KernelBoot
{
    /// <summary>x86 stop points after <c>copy_bootdata</c>, where <c>boot_params</c> and <c>boot_command_line</c> hold what the kernel accepted.</summary>
    public static IReadOnlyList<string> ReadbackPoints { get; } = ["x86_64_start_reservations", "start_kernel"];

    /// <summary>The architecture whose engine runs <paramref name="image"/>: arm64 for an Image or Image.gz (or a UKI / zboot image wrapping one), else x86.</summary>
    public static GuestArchitecture ArchitectureOf(ReadOnlySpan<byte> image) =>
        ImageDetector.DetectInner(image) is ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip ? GuestArchitecture.Arm64 : GuestArchitecture.X86_64;

    /// <summary>
    /// Firecracker's profile for <paramref name="architecture"/>; spec for the 32-bit x86 entry and QEMU (whose
    /// firmware boots a bzImage through its setup code) for the 16-bit one, which Firecracker lacks.
    /// </summary>
    public static VmmProfile DefaultProfile(GuestArchitecture architecture, BootProtocol protocol) =>
        architecture == GuestArchitecture.Arm64 ? VmmProfiles.FirecrackerArm64
        : protocol switch
        {
            BootProtocol.Linux32 => VmmProfiles.Spec,
            BootProtocol.Linux16 => VmmProfiles.Qemu,
            _ => VmmProfiles.Firecracker,
        };

    /// <summary>The command line a boot gets unless one is given: none on x86; on arm64 the PL011 console and earlycon at QEMU virt's UART.</summary>
    public static string DefaultCommandLine(GuestArchitecture architecture) =>
        architecture == GuestArchitecture.Arm64 ? "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1" : "";

    /// <summary>Sets the guest up from <paramref name="image"/> as the profile's VMM would, and runs it.</summary>
    /// <exception cref="LoaderHarness.Loader.Errors.LoaderException">The loader refused the image, its symbols lack the stop symbol, or the profile has no such entry.</exception>
    /// <exception cref="ArgumentException">The profile is of the other architecture.</exception>
    public static BootReport Run(ReadOnlyMemory<byte> image, KernelBootOptions options)
    {
        var load = Stopwatch.StartNew();
        var architecture = ArchitectureOf(image.Span);
        if (architecture == GuestArchitecture.X86_64)
            X86.X86Cpu.WarmUp(); // while the image is loaded and its symbols recovered
        var profile = options.Profile ?? DefaultProfile(architecture, options.Protocol);
        if (profile.Architecture != architecture)
            throw new ArgumentException($"profile {profile.Name} starts {profile.Architecture} guests, the image is {architecture}", nameof(options));
        var kernel = KernelImage.Parse(image);
        // Symbols come from the kernel's own kallsyms (a UKI's .linux, not the UKI; an Image.gz's inflated Image), through
        // the cache when there is one, recovered in the background while the guest is loaded and timed where waited for.
        using var symbols = options.Symbols is { } given ? new SymbolSource(given)
            : new SymbolSource(() => options.SymbolCache is { } cache ? cache.GetOrRecover(kernel.Bytes, RecoverSymbols) : RecoverSymbols(kernel.Bytes));
        symbols.RecoverInBackground("start_kernel"); // while the guest is loaded
        using var memory = profile.CreateMemory(options.MemorySize);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = kernel,
            // A unified kernel image's own .initrd and .cmdline apply unless the options give them.
            Initrd = options.Initrd ?? kernel.EmbeddedInitrd,
            CommandLine = options.CommandLine ?? kernel.EmbeddedCommandLine ?? DefaultCommandLine(architecture),
            Protocol = options.Protocol,
        }));
        // A vmlinux's section headers say which of its bytes the kernel may write: those are copied ahead. A flat arm64
        // Image says nothing of the kind and stays copy-on-write (copying all 27 MB of Debian's cost its boot to the first
        // console line 12-22 ms of load and gained nothing in the run).
        if (kernel.Elf is not null && ElfSections.WrittenOrExecuted(kernel.Bytes.Span) is { } sections)
            memory.CopyMappedPages(setup.Kernel.GuestRangesOf(sections));
        load.Stop();
        return Run(memory, setup, options with { Profile = profile }, symbols, load.Elapsed);
    }

    /// <summary>Runs the guest in <paramref name="memory"/>, set up as <paramref name="setup"/> says, as <paramref name="options"/> asks (x86 needs <see cref="KernelBootOptions.Symbols"/>).</summary>
    public static BootReport Run(GuestMemory memory, GuestSetupResult setup, KernelBootOptions options) =>
        Run(memory, setup, options, null, TimeSpan.Zero);

    private static BootReport Run(GuestMemory memory, GuestSetupResult setup, KernelBootOptions options, SymbolSource? symbols, TimeSpan loaded)
    {
        var architecture = setup.Protocol == BootProtocol.Arm64 ? GuestArchitecture.Arm64 : GuestArchitecture.X86_64;
        var profile = options.Profile ?? DefaultProfile(architecture, setup.Protocol);
        // Unless given, the budget is sized to the kernel: its decompressor's share by codec and init_size, then the kernel's.
        var sized = options.MaxInstructions is null;
        var budget = options.MaxInstructions ?? KernelBudget.For(memory, setup);
        options = options with { MaxInstructions = budget };
        // Validate before anything runs: a bad stop symbol or entry is bad input, not a failed boot.
        using var guard = options.Timeout is null && options.MaxHostMemory is null ? null : new RunGuard(options.Timeout, options.MaxHostMemory);
        options = options with { Guard = guard };
        var phase = Stopwatch.StartNew();
        if (architecture == GuestArchitecture.Arm64)
            symbols ??= Arm64KernelBoot.SymbolsOf(memory, setup); // a caller that loaded the guest itself: the Image in guest memory
        var open = architecture == GuestArchitecture.Arm64
            ? Arm64KernelBoot.Open(memory, setup, options, symbols!)
            : X86BootSession.Open(setup, options, symbols, sized ? KernelBudget.KernelAllowance : null);
        phase.Restart(); // the symbols' recovery and lookups are counted in their source
        var cpu = VcpuSetup.Create(memory, setup, profile, options.Engine);
        if (cpu is GuestCpuCore core)
        {
            core.CompileInBackground = options.CompileInBackground;
            core.HostCodeTier = options.HostCodeTier;
        }
        var session = open(cpu);
        guard?.Watch(cpu);
        var vcpu = phase.Elapsed;
        phase.Restart();
        var boot = new BootCase(cpu, setup, profile);
        options.Mutant?.Inject(boot);
        var contracts = new List<ContractResult>(ContractCatalogue.Evaluate(boot, ContractPhase.Entry));
        cpu.WatchPhysical(setup.BootStructureAddress, (ulong)setup.BootStructure.Length);
        var entryVerdicts = phase.Elapsed;

        var symbolsBeforeRun = symbols?.Elapsed ?? TimeSpan.Zero;
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        var clock = Stopwatch.StartNew();
        var outcome = session.Run();
        clock.Stop();
        var tiering = cpu is GuestCpuCore ran
            ? new RunTiering(ran.Engine, ran.CompilesInBackground, ran.Tiering, System.Runtime.JitInfo.GetCompilationTime() - jitBefore)
            : RunTiering.Interpreted;
        cpu.Tracer = null;
        options.Trace?.Flush();
        var symbolsInRun = (symbols?.Elapsed ?? TimeSpan.Zero) - symbolsBeforeRun;

        phase.Restart();
        boot.Run = outcome.Result;
        boot.Readback = outcome.Readback;
        boot.Until = options.Until;
        boot.Reached = outcome.Milestones.Any(m => m.Name == options.Until);
        boot.StopSummary = $"{outcome.Result.Reason} at {outcome.StopLocation} in the {outcome.Phase} after {outcome.Result.Instructions:N0} instructions"
            + (outcome.Result.Reason == StopReason.Budget ? $" (budget {outcome.Budget ?? budget:N0}; pass --max-instructions {SuggestBudget(outcome.Result.Instructions)} to go further)" : "")
            + (outcome.LastConsoleLine is { } line ? $"; last console line: {line}" : "");
        boot.Console = outcome.Console ?? cpu.ConsoleText;
        contracts.AddRange(ContractCatalogue.Evaluate(boot, ContractPhase.AfterRun));
        var reached = outcome.Milestones.Any(m => m.Name == options.Until);
        var phases = new BootPhases
        {
            Load = loaded + vcpu,
            Symbols = symbols?.Elapsed ?? TimeSpan.Zero,
            Run = clock.Elapsed - symbolsInRun,
            Report = entryVerdicts + phase.Elapsed,
        };
        return new BootReport
        {
            Phases = phases,
            Tiering = tiering,
            Architecture = architecture,
            Protocol = setup.Protocol,
            Profile = profile.Name,
            Until = options.Until,
            Milestone = reached ? options.Until : null,
            Milestones = outcome.Milestones,
            StopReason = outcome.Result.Reason,
            StopPc = outcome.Result.Pc,
            StopLocation = outcome.StopLocation,
            StopDetail = outcome.Result.Detail,
            Instructions = cpu.TotalInstructions,
            WallTime = clock.Elapsed,
            KernelLoad = setup.Kernel.KernelLoad,
            BootStructureAddress = setup.BootStructureAddress,
            KernelPhysical = outcome.KernelPhysical,
            VirtualOffset = outcome.VirtualOffset,
            LinkAddress = outcome.LinkAddress,
            Readback = outcome.Readback,
            Console = boot.Console,
            LastConsoleLine = outcome.LastConsoleLine,
            Contracts = contracts,
            Map = GuestMap.Of(memory, setup),
            StopPhase = outcome.Phase,
            Budget = outcome.Budget ?? budget,
            SuggestedBudget = outcome.Result.Reason == StopReason.Budget ? SuggestBudget(cpu.TotalInstructions) : null,
        };
    }

    /// <summary>A budget to go further after a run stopped by its budget at <paramref name="used"/>: twice as much, in round hundreds of millions.</summary>
    internal static ulong SuggestBudget(ulong used)
    {
        const ulong round = 100_000_000;
        var twice = used > ulong.MaxValue / 2 ? ulong.MaxValue : used * 2;
        return twice >= ulong.MaxValue - round ? ulong.MaxValue : (twice + round - 1) / round * round;
    }

    /// <summary>kallsyms from the vmlinux, or from the vmlinux inside a bzImage (the kernel's bytes: a UKI's .linux, not the UKI).</summary>
    /// <exception cref="Loader.Errors.LoaderException">The image holds no kallsyms tables the reader knows, or its payload does not decompress.</exception>
    public static SymbolTable RecoverSymbols(ReadOnlyMemory<byte> image) =>
        KallsymsReader.Recover(ImageDetector.Detect(image.Span) == ImageFormat.BzImage ? VmlinuxExtractor.Extract(image) : image.Span);
}
