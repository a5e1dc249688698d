namespace LoaderHarness.Emulator.Contracts;

/// <summary>Every x86 contract, in report order: vCPU state, boot_params, start_info, then the run.</summary>
public static class ContractCatalogue
{
    /// <summary>The catalogue.</summary>
    public static IReadOnlyList<Contract> X86 { get; } =
        [.. EntryStateContracts.All, .. ZeroPageContracts.All, .. PvhContracts.All, .. RunContracts.All];

    /// <summary>Evaluates the contracts of <paramref name="phase"/> on <paramref name="boot"/>.</summary>
    public static IReadOnlyList<ContractResult> Evaluate(BootCase boot, ContractPhase phase) =>
        X86.Where(c => c.Phase == phase).Select(c => c.Evaluate(boot)).ToArray();
}
