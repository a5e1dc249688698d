namespace LoaderHarness.Emulator.Contracts;

/// <summary>Every contract, per architecture, in report order.</summary>
public static class ContractCatalogue
{
    /// <summary>The catalogue.</summary>
    public static IReadOnlyList<Contract> X86 { get; } =
        [.. EntryStateContracts.All, .. ZeroPageContracts.All, .. PvhContracts.All, .. RunContracts.All];

    /// <summary>Every arm64 contract, in report order: vCPU state and placement, then the run.</summary>
    public static IReadOnlyList<Arm64Contract> Arm64 { get; } = [.. Arm64EntryContracts.All, .. Arm64RunContracts.All];

    /// <summary>Evaluates the contracts of <paramref name="phase"/> on <paramref name="boot"/>.</summary>
    public static IReadOnlyList<ContractResult> Evaluate(BootCase boot, ContractPhase phase) =>
        X86.Where(c => c.Phase == phase).Select(c => c.Evaluate(boot)).ToArray();

    /// <summary>Evaluates the arm64 contracts of <paramref name="phase"/> on <paramref name="boot"/>.</summary>
    public static IReadOnlyList<ContractResult> Evaluate(Arm64BootCase boot, ContractPhase phase) =>
        Arm64.Where(c => c.Phase == phase).Select(c => c.Evaluate(boot)).ToArray();
}
