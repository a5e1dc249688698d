using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>The outcome of <see cref="KernelBoot.Run"/>.</summary>
public sealed record BootReport
{
    /// <summary>The protocol the kernel was entered with.</summary>
    public required BootProtocol Protocol { get; init; }
    /// <summary>The VMM profile whose vCPU state the kernel was entered with.</summary>
    public required string Profile { get; init; }
    /// <summary>The symbol the run was asked to reach.</summary>
    public required string Until { get; init; }
    /// <summary>The symbol reached (<see cref="Until"/>), or null when the run stopped elsewhere.</summary>
    public string? Milestone { get; init; }
    /// <summary>Why the engine stopped (<see cref="StopReason.AddressReached"/> when the milestone was reached).</summary>
    public required StopReason StopReason { get; init; }
    /// <summary>Where it stopped, as <c>symbol+0xoffset</c> when a kernel symbol contains the address, else hex.</summary>
    public required string StopLocation { get; init; }
    /// <summary>The engine's detail for the stop (unimplemented instruction, triple-fault chain...).</summary>
    public string? StopDetail { get; init; }
    /// <summary>Instructions executed.</summary>
    public required ulong Instructions { get; init; }
    /// <summary>Wall time of the run (setup excluded).</summary>
    public required TimeSpan WallTime { get; init; }
    /// <summary>Physical address of the running kernel's <c>_text</c>, once known.</summary>
    public ulong? KernelPhysical { get; init; }
    /// <summary>The kernel's virtual (KASLR) offset from its link address, once known.</summary>
    public ulong? VirtualOffset { get; init; }
    /// <summary>What the kernel accepted, when the run stopped where the kernel holds it (see <see cref="KernelBoot.ReadbackPoints"/>).</summary>
    public BootReadback? Readback { get; init; }
    /// <summary>Contract verdicts comparing <see cref="Readback"/> and the entry with what the loader set up.</summary>
    public IReadOnlyList<BootCheck> Checks { get; init; } = [];

    /// <summary>The contract catalogue's verdicts: the entry state before the first instruction, then the run.</summary>
    public IReadOnlyList<ContractResult> Contracts { get; init; } = [];

    /// <summary>Whether the milestone was reached, every readback check passed and no required contract was broken.</summary>
    public bool Succeeded => Milestone is not null && Checks.All(c => c.Passed) && !Contracts.Any(c => c.IsViolation);
}
