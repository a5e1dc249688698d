using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Boot;

/// <summary>What one architecture's boot session found: how the run ended, where, and what the kernel recorded.</summary>
/// <param name="Result">The run's end (<see cref="StopReason.AddressReached"/> at the milestone), with the instructions of the whole boot.</param>
/// <param name="Milestones">The milestones passed, in order.</param>
/// <param name="Readback">What the kernel accepted, or null when not read.</param>
/// <param name="StopLocation">The stop as <c>symbol+0xoffset</c>, else hex.</param>
internal sealed record BootOutcome(RunResult Result, IReadOnlyList<BootMilestone> Milestones, KernelReadback? Readback, string StopLocation)
{
    /// <summary>x86: physical <c>_text</c> of the running kernel, once known.</summary>
    public ulong? KernelPhysical { get; init; }
    /// <summary>x86: the KASLR virtual offset, once known.</summary>
    public ulong? VirtualOffset { get; init; }
    /// <summary>The console transcript when the session owns the console device (x86 COM1); null to use the CPU's <see cref="IGuestCpu.ConsoleText"/>.</summary>
    public string? Console { get; init; }
    /// <summary>The last complete console line, when the session tracked lines.</summary>
    public string? LastConsoleLine { get; init; }
    /// <summary>arm64: the Image's link address.</summary>
    public ulong? LinkAddress { get; init; }
    /// <summary>Where the run was when it stopped: <see cref="DecompressorPhase"/> or <see cref="KernelPhase"/>.</summary>
    public string Phase { get; init; } = KernelPhase;
    /// <summary>The instruction budget the run had in the end, when the session sized or narrowed it; null for the one it was given.</summary>
    public ulong? Budget { get; init; }

    /// <summary>A bzImage's own decompressor (arch/x86/boot/compressed) ran when the run stopped.</summary>
    public const string DecompressorPhase = "decompressor";
    /// <summary>The kernel proper ran when the run stopped.</summary>
    public const string KernelPhase = "kernel";
}

/// <summary>One architecture's way of running a kernel to a milestone and reading back what it accepted.</summary>
internal interface IBootSession
{
    /// <summary>Runs until the milestone, a stop the kernel cannot continue from, or the budget.</summary>
    BootOutcome Run();
}
