using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Boot;

/// <summary>The outcome of <see cref="Arm64KernelBoot.Run"/>.</summary>
public sealed record Arm64BootReport
{
    /// <summary>The VMM profile the kernel was entered with.</summary>
    public required string Profile { get; init; }
    /// <summary>The symbol the run was asked to reach.</summary>
    public required string Until { get; init; }
    /// <summary>The symbol reached (<see cref="Until"/>), or null when the run stopped elsewhere.</summary>
    public string? Milestone { get; init; }
    /// <summary>Every boot-path symbol the run passed, in order (primary_entry … start_kernel …).</summary>
    public IReadOnlyList<Arm64Milestone> Milestones { get; init; } = [];
    /// <summary>Why the engine stopped (<see cref="StopReason.AddressReached"/> at the milestone or at <c>panic</c>).</summary>
    public required StopReason StopReason { get; init; }
    /// <summary>Where it stopped, as <c>symbol+0xoffset</c> when a kernel symbol contains the address, else hex.</summary>
    public required string StopLocation { get; init; }
    /// <summary>The engine's detail for the stop.</summary>
    public string? StopDetail { get; init; }
    /// <summary>Instructions executed.</summary>
    public required ulong Instructions { get; init; }
    /// <summary>Wall time of the run (setup excluded).</summary>
    public required TimeSpan WallTime { get; init; }
    /// <summary>Where the DTB was placed (x0 at entry).</summary>
    public required ulong DtbAddress { get; init; }
    /// <summary>Where the Image was placed (PC at entry).</summary>
    public required ulong KernelLoad { get; init; }
    /// <summary>The virtual address the Image is linked at, when the symbols say.</summary>
    public ulong? LinkAddress { get; init; }
    /// <summary>What the kernel recorded.</summary>
    public required Arm64KernelReadback KernelReadback { get; init; }
    /// <summary>What the kernel printed on the PL011.</summary>
    public string Console { get; init; } = "";
    /// <summary>The contract catalogue's verdicts: the entry state before the first instruction, then the run.</summary>
    public IReadOnlyList<ContractResult> Contracts { get; init; } = [];

    /// <summary>Whether the milestone was reached and no required contract was broken.</summary>
    public bool Succeeded => Milestone is not null && !Contracts.Any(c => c.IsViolation);
}
