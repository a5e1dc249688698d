namespace LoaderHarness.Emulator.Contracts;

/// <summary>Whether a broken contract makes a boot non-conforming.</summary>
public enum ContractSeverity
{
    /// <summary>The spec requires it, or the kernel's entry code depends on it.</summary>
    Required,
    /// <summary>
    /// A documented rule real VMMs break without harm because the kernel does not depend on it (e.g.
    /// Firecracker's selectors 0x08/0x10): reported, never fails a run.
    /// </summary>
    Advisory,
}
