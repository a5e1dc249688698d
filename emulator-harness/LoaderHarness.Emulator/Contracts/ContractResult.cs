namespace LoaderHarness.Emulator.Contracts;

/// <summary>One contract's verdict on one boot.</summary>
/// <param name="Contract">The contract.</param>
/// <param name="Verdict">Pass, fail or not applicable.</param>
/// <param name="Detail">The values seen.</param>
public sealed record ContractResult(Contract Contract, ContractVerdict Verdict, string Detail)
{
    /// <summary>A failure that makes the boot non-conforming (advisory contracts never do).</summary>
    public bool IsViolation => Verdict == ContractVerdict.Fail && Contract.Severity == ContractSeverity.Required;
}
