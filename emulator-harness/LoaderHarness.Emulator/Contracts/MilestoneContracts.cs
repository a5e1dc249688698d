using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// A real kernel's boot must get where it was asked to (<c>start_kernel</c>, its first console line, /init...): a
/// kernel that stops earlier, however cleanly, has not been booted, and the verdict says where it stopped and why.
/// </summary>
public static class MilestoneContracts
{
    private const string Source = "init/main.c start_kernel, run_init_process; kernel/printk (the console); arch/x86/boot/compressed/misc.c extract_kernel";

    /// <summary>The x86 contract.</summary>
    public static IReadOnlyList<Contract> X86 { get; } = [Milestone("x86.run.milestone")];

    /// <summary>The arm64 contract.</summary>
    public static IReadOnlyList<Contract> Arm64 { get; } = [Milestone("arm64.run.milestone")];

    private static Contract Milestone(string id) =>
        new(id, "a real kernel reached the milestone the boot asked for", Source, ContractPhase.AfterRun, ContractSeverity.Required, b =>
            b.Run is null ? Skip("not run")
            : b.Until is not { } until ? Skip("no milestone asked (a bare run)")
            : b.Reached ? Pass($"reached {until} after {b.Run.Value.Instructions:N0} instructions")
            : Fail($"never reached {until}: {b.StopSummary ?? b.Run.Value.ToString()}"));
}
