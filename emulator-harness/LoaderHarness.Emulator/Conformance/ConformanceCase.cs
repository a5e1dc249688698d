using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>One boot to check: a kernel entered through one protocol with one VMM's setup, either architecture.</summary>
public sealed record ConformanceCase
{
    /// <summary>The kernel's name in reports (file name, or the fixture's name).</summary>
    public required string Kernel { get; init; }
    /// <summary>The kernel image, parsed once for every case it appears in.</summary>
    public required KernelImage Image { get; init; }
    /// <summary>The entry.</summary>
    public required BootProtocol Protocol { get; init; }
    /// <summary>The VMM whose setup is reproduced.</summary>
    public required VmmProfile Profile { get; init; }
    /// <summary>What is known before the guest exists (architecture, entry, image kind), read once from the image; mutants decide from it whether they apply.</summary>
    public required CaseFacts Facts { get; init; }
    /// <summary>The command line.</summary>
    public required string CommandLine { get; init; }
    /// <summary>The initrd, if any.</summary>
    public ReadOnlyMemory<byte>? Initrd { get; init; }
    /// <summary>Guest RAM, laid out as the profile's VMM does (<see cref="VmmProfile.CreateMemory"/>).</summary>
    public ulong MemorySize { get; init; } = 512UL << 20;
    /// <summary>
    /// Instructions the kernel may execute; null to size them to the kernel (<see cref="Boot.KernelBudget"/>), which
    /// only a real-kernel case (<see cref="Until"/> set) can do.
    /// </summary>
    public ulong? Budget { get; init; } = 1_000_000;
    /// <summary>
    /// A real kernel's milestone (a symbol, or <c>console</c>, <c>init</c>, <c>shutdown</c>): the case boots it as
    /// <see cref="Boot.KernelBoot"/> does, with devices, readback and the kernel-log contracts, and fails when the
    /// milestone is not reached. Null for a fixture stub, which runs bare until it reports through the exit port.
    /// </summary>
    public string? Until { get; init; }
    /// <summary>x86 real kernels: their symbols (null to recover them from the image's kallsyms).</summary>
    public LoaderHarness.Loader.Symbols.SymbolTable? Symbols { get; init; }
    /// <summary>How the CPU executes (x86; arm64 interprets either way).</summary>
    public EngineTier Engine { get; init; } = EngineTier.Interpreter;

    /// <summary>The wall-clock limit of each run of this case (<see cref="Boot.RunGuard"/>), or null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The cap on the process's resident memory during each run of this case, or null for none.</summary>
    public long? MaxHostMemory { get; init; }

    /// <summary>The guest's architecture.</summary>
    public GuestArchitecture Architecture => Profile.Architecture;

    /// <summary>"kernel / protocol / profile", the case's name in reports.</summary>
    public string Name => $"{Kernel} / {Protocol} / {Profile.Name}";
}
