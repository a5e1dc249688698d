using System.Diagnostics;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
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

    /// <summary>The architecture whose engine runs <paramref name="image"/>: arm64 for an Image or Image.gz, else x86.</summary>
    public static GuestArchitecture ArchitectureOf(ReadOnlySpan<byte> image) =>
        ImageDetector.Detect(image) is ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip ? GuestArchitecture.Arm64 : GuestArchitecture.X86_64;

    /// <summary>Firecracker's profile for <paramref name="architecture"/>; spec for the 32-bit x86 entry, which Firecracker lacks.</summary>
    public static VmmProfile DefaultProfile(GuestArchitecture architecture, BootProtocol protocol) =>
        architecture == GuestArchitecture.Arm64 ? VmmProfiles.FirecrackerArm64
        : protocol == BootProtocol.Linux32 ? VmmProfiles.Spec : VmmProfiles.Firecracker;

    /// <summary>The command line a boot gets unless one is given: none on x86; on arm64 the PL011 console and earlycon at QEMU virt's UART.</summary>
    public static string DefaultCommandLine(GuestArchitecture architecture) =>
        architecture == GuestArchitecture.Arm64 ? "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1" : "";

    /// <summary>Sets the guest up from <paramref name="image"/> as the profile's VMM would, and runs it.</summary>
    /// <exception cref="LoaderHarness.Loader.Errors.LoaderException">The loader refused the image, its symbols lack the stop symbol, or the profile has no such entry.</exception>
    /// <exception cref="ArgumentException">The profile is of the other architecture.</exception>
    public static BootReport Run(ReadOnlyMemory<byte> image, KernelBootOptions options)
    {
        var architecture = ArchitectureOf(image.Span);
        var profile = options.Profile ?? DefaultProfile(architecture, options.Protocol);
        if (profile.Architecture != architecture)
            throw new ArgumentException($"profile {profile.Name} starts {profile.Architecture} guests, the image is {architecture}", nameof(options));
        var kernel = KernelImage.Parse(image);
        var symbols = architecture == GuestArchitecture.X86_64 ? options.Symbols ?? RecoverSymbols(image) : options.Symbols;
        using var memory = profile.CreateMemory(options.MemorySize);
        var setup = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = kernel,
            Initrd = options.Initrd,
            CommandLine = options.CommandLine ?? DefaultCommandLine(architecture),
            Protocol = options.Protocol,
        }));
        return Run(memory, setup, options with { Profile = profile, Symbols = symbols });
    }

    /// <summary>Runs the guest in <paramref name="memory"/>, set up as <paramref name="setup"/> says, as <paramref name="options"/> asks (x86 needs <see cref="KernelBootOptions.Symbols"/>).</summary>
    public static BootReport Run(GuestMemory memory, GuestSetupResult setup, KernelBootOptions options)
    {
        var architecture = setup.Protocol == BootProtocol.Arm64 ? GuestArchitecture.Arm64 : GuestArchitecture.X86_64;
        var profile = options.Profile ?? DefaultProfile(architecture, setup.Protocol);
        // Validate before anything runs: a bad stop symbol or entry is bad input, not a failed boot.
        var open = architecture == GuestArchitecture.Arm64
            ? Arm64KernelBoot.Open(memory, setup, options)
            : X86BootSession.Open(setup, options);
        var cpu = VcpuSetup.Create(memory, setup, profile, options.Engine);
        var session = open(cpu);
        var boot = new BootCase(cpu, setup, profile);
        options.Mutant?.Inject(boot);
        var contracts = new List<ContractResult>(ContractCatalogue.Evaluate(boot, ContractPhase.Entry));
        cpu.WatchPhysical(setup.BootStructureAddress, (ulong)setup.BootStructure.Length);

        var clock = Stopwatch.StartNew();
        var outcome = session.Run();
        clock.Stop();
        cpu.Tracer = null;
        options.Trace?.Flush();

        boot.Run = outcome.Result;
        boot.Readback = outcome.Readback;
        boot.Console = outcome.Console ?? cpu.ConsoleText;
        contracts.AddRange(ContractCatalogue.Evaluate(boot, ContractPhase.AfterRun));
        var reached = outcome.Milestones.Any(m => m.Name == options.Until);
        return new BootReport
        {
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
        };
    }

    /// <summary>kallsyms from the vmlinux, or from the vmlinux inside a bzImage.</summary>
    private static SymbolTable RecoverSymbols(ReadOnlyMemory<byte> image) =>
        KallsymsReader.Recover(ImageDetector.Detect(image.Span) == ImageFormat.BzImage ? VmlinuxExtractor.Extract(image) : image.Span);
}
