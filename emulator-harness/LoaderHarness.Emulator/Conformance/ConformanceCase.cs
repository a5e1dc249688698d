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
    /// <summary>Instructions the kernel may execute.</summary>
    public ulong Budget { get; init; } = 1_000_000;
    /// <summary>How the CPU executes (x86; arm64 interprets either way).</summary>
    public EngineTier Engine { get; init; } = EngineTier.Interpreter;

    /// <summary>The guest's architecture.</summary>
    public GuestArchitecture Architecture => Profile.Architecture;

    /// <summary>"kernel / protocol / profile", the case's name in reports.</summary>
    public string Name => $"{Kernel} / {Protocol} / {Profile.Name}";
}
