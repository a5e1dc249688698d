namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// What every contract is, whatever architecture's boot it checks: <see cref="Contract"/> evaluates an x86
/// <see cref="BootCase"/>, <see cref="Arm64Contract"/> an <see cref="Arm64BootCase"/>.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>x86.pvh.start-info-magic</c>, <c>arm64.x0-dtb</c>.</param>
/// <param name="Description">One line: what must hold.</param>
/// <param name="Source">Spec file and section, or the peer's source file.</param>
/// <param name="Phase">When it is checked.</param>
/// <param name="Severity">Whether breaking it fails the boot.</param>
public abstract record ContractDefinition(string Id, string Description, string Source, ContractPhase Phase, ContractSeverity Severity);
