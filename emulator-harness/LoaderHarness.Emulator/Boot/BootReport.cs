using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Reports;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>The outcome of <see cref="KernelBoot.Run(ReadOnlyMemory{byte}, KernelBootOptions)"/>, either architecture.</summary>
public sealed record BootReport
{
    /// <summary>The guest's architecture.</summary>
    public required GuestArchitecture Architecture { get; init; }
    /// <summary>The protocol the kernel was entered with.</summary>
    public required BootProtocol Protocol { get; init; }
    /// <summary>The VMM profile whose vCPU state the kernel was entered with.</summary>
    public required string Profile { get; init; }
    /// <summary>The symbol or console milestone (<c>console</c>, <c>init</c>, <c>shutdown</c>) the run was asked to reach.</summary>
    public required string Until { get; init; }
    /// <summary>The symbol reached (<see cref="Until"/>), or null when the run stopped elsewhere.</summary>
    public string? Milestone { get; init; }
    /// <summary>Whether <see cref="Until"/> was reached.</summary>
    public bool Reached => Milestone is not null;
    /// <summary>The milestones passed, in order (arm64: every boot-path symbol, primary_entry … start_kernel; x86: start_kernel when passed on the way to a later milestone, the console milestones, the stop symbol).</summary>
    public IReadOnlyList<BootMilestone> Milestones { get; init; } = [];
    /// <summary>Why the engine stopped (<see cref="StopReason.AddressReached"/> at the milestone, or at arm64's <c>panic</c>).</summary>
    public required StopReason StopReason { get; init; }
    /// <summary>The instruction pointer at the stop (x86 RIP, arm64 PC).</summary>
    public required ulong StopPc { get; init; }
    /// <summary>Where it stopped, as <c>symbol+0xoffset</c> when a kernel symbol contains the address, else hex.</summary>
    public required string StopLocation { get; init; }
    /// <summary>The engine's detail for the stop (unimplemented instruction, triple-fault chain...).</summary>
    public string? StopDetail { get; init; }
    /// <summary>Instructions executed.</summary>
    public required ulong Instructions { get; init; }
    /// <summary>Where the run was when it stopped: <c>decompressor</c> (a bzImage's own, before it jumped into the kernel) or <c>kernel</c>.</summary>
    public string StopPhase { get; init; } = "kernel";
    /// <summary>The instruction budget the run had (given, or sized to the kernel by <see cref="KernelBudget"/>).</summary>
    public ulong Budget { get; init; }
    /// <summary>When the budget stopped the run (<see cref="StopReason.Budget"/>): a budget to pass to go further; else null.</summary>
    public ulong? SuggestedBudget { get; init; }
    /// <summary>Wall time of the run (setup excluded).</summary>
    public required TimeSpan WallTime { get; init; }
    /// <summary>Where the run's wall time went: load, symbols, run and verdicts (a front end adds its start-up and rendering).</summary>
    public BootPhases Phases { get; init; } = new();

    /// <summary>
    /// How the engine ran: the tier it used (the interpreter, or hot code compiled), whether blocks were compiled on a
    /// worker thread, what the compiling tier did, and the JIT's time during the run (zero without a JIT).
    /// </summary>
    public RunTiering Tiering { get; init; } = RunTiering.Interpreted;
    /// <summary>Where the loader placed the kernel (x86 the vmlinux's lowest segment or the bzImage's protected-mode code, arm64 the Image).</summary>
    public required ulong KernelLoad { get; init; }
    /// <summary>Where the loader placed the boot structure (zero page, start_info, DTB).</summary>
    public required ulong BootStructureAddress { get; init; }
    /// <summary>x86: physical address of the running kernel's <c>_text</c>, once known (a bzImage's decompressor may move it).</summary>
    public ulong? KernelPhysical { get; init; }
    /// <summary>x86: the kernel's virtual (KASLR) offset from its link address, once known.</summary>
    public ulong? VirtualOffset { get; init; }
    /// <summary>arm64: the virtual address the Image is linked at, when its symbols say.</summary>
    public ulong? LinkAddress { get; init; }
    /// <summary>What the kernel accepted, read back from its memory (x86 only at <see cref="KernelBoot.ReadbackPoints"/>); null when not read.</summary>
    public KernelReadback? Readback { get; init; }
    /// <summary>What the kernel printed on its console (x86 COM1's transcript, then anything on debug port 0xE9; arm64 PL011).</summary>
    public string Console { get; init; } = "";
    /// <summary>The last complete console line, when the run tracked lines (x86): where a hung kernel got to.</summary>
    public string? LastConsoleLine { get; init; }
    /// <summary>The guest's memory as set up (RAM, memory map, placements), for reports to draw.</summary>
    public GuestMap? Map { get; init; }
    /// <summary>The contract catalogue's verdicts: the entry state before the first instruction, then the run and the readback.</summary>
    public IReadOnlyList<ContractResult> Contracts { get; init; } = [];

    /// <summary>Whether the milestone was reached and no required contract was broken.</summary>
    public bool Succeeded => Reached && !Contracts.Any(c => c.IsViolation);
}
