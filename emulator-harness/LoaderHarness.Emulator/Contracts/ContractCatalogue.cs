using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>Every contract, in report order, and which architecture's boots each list checks.</summary>
public static class ContractCatalogue
{
    /// <summary>The x86 contracts: vCPU state, zero page, PVH start_info, then the run, the kernel's readback, its log and our /init's report.</summary>
    public static IReadOnlyList<Contract> X86 { get; } =
        [.. EntryStateContracts.All, .. ZeroPageContracts.All, .. PvhContracts.All, .. RunContracts.All, .. MilestoneContracts.X86, .. X86ReadbackContracts.All, .. KernelLogContracts.X86, .. InitReportContracts.X86];

    /// <summary>The arm64 contracts: vCPU state and placement, then the run, the kernel's log and our /init's report.</summary>
    public static IReadOnlyList<Contract> Arm64 { get; } = [.. Arm64EntryContracts.All, .. Arm64RunContracts.All, .. MilestoneContracts.Arm64, .. KernelLogContracts.Arm64, .. InitReportContracts.Arm64];

    /// <summary>Every contract: x86, then arm64.</summary>
    public static IReadOnlyList<Contract> All { get; } = [.. X86, .. Arm64];

    /// <summary>The contracts that check boots of <paramref name="architecture"/>.</summary>
    public static IReadOnlyList<Contract> For(GuestArchitecture architecture) => architecture == GuestArchitecture.Arm64 ? Arm64 : X86;

    /// <summary>Evaluates the contracts of <paramref name="phase"/> for the boot's architecture on <paramref name="boot"/>.</summary>
    public static IReadOnlyList<ContractResult> Evaluate(BootCase boot, ContractPhase phase) =>
        For(boot.Cpu.Architecture).Where(c => c.Phase == phase).Select(c => c.Evaluate(boot)).ToArray();
}
