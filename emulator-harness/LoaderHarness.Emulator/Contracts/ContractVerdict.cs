namespace LoaderHarness.Emulator.Contracts;

/// <summary>What one contract said about one boot.</summary>
public enum ContractVerdict
{
    /// <summary>The invariant holds.</summary>
    Pass,
    /// <summary>The invariant is broken.</summary>
    Fail,
    /// <summary>The invariant does not concern this entry or image.</summary>
    NotApplicable,
}
