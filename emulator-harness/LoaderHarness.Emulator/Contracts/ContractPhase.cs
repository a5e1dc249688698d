namespace LoaderHarness.Emulator.Contracts;

/// <summary>When a contract is checked.</summary>
public enum ContractPhase
{
    /// <summary>On the vCPU state and guest memory before the first instruction.</summary>
    Entry,
    /// <summary>From what the kernel did: where it stopped, what it reported and read.</summary>
    AfterRun,
}
