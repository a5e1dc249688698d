namespace LoaderHarness.Emulator.Contracts;

/// <summary>A named invariant of the arm64 boot protocol, evaluated on an <see cref="Arm64BootCase"/>.</summary>
/// <param name="Id">Stable identifier, e.g. <c>arm64.x0-dtb</c>.</param>
/// <param name="Description">One line: what must hold.</param>
/// <param name="Source">Spec file and section, or the peer's source file.</param>
/// <param name="Phase">When it is checked.</param>
/// <param name="Severity">Whether breaking it fails the boot.</param>
/// <param name="Check">Evaluates the contract on a boot; returns the verdict and a detail line.</param>
public sealed record Arm64Contract(string Id, string Description, string Source, ContractPhase Phase, ContractSeverity Severity,
    Func<Arm64BootCase, (ContractVerdict Verdict, string Detail)> Check) : ContractDefinition(Id, Description, Source, Phase, Severity)
{
    /// <summary>Evaluates the contract; a guest address outside RAM counts as a failure, never an exception.</summary>
    public ContractResult Evaluate(Arm64BootCase boot)
    {
        try
        {
            var (verdict, detail) = Check(boot);
            return new ContractResult(this, verdict, detail);
        }
        catch (LoaderHarness.Loader.Errors.LoaderException e)
        {
            return new ContractResult(this, ContractVerdict.Fail, e.Message);
        }
    }
}
