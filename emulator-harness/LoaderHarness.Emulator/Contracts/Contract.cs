namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// A named invariant of a boot protocol, evaluated on a <see cref="BootCase"/> of its architecture.
/// <see cref="Id"/> is stable (reports and CI history key on it) and says the architecture
/// (<c>x86.</c>, <c>arm64.</c>); <see cref="Source"/> names the spec or peer it comes from.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>x86.pvh.start-info-magic</c>, <c>arm64.x0-dtb</c>.</param>
/// <param name="Description">One line: what must hold.</param>
/// <param name="Source">Spec file and section, or the peer's source file.</param>
/// <param name="Phase">When it is checked.</param>
/// <param name="Severity">Whether breaking it fails the boot.</param>
/// <param name="Check">Evaluates the contract on a boot; returns the verdict and a detail line.</param>
public sealed record Contract(string Id, string Description, string Source, ContractPhase Phase, ContractSeverity Severity,
    Func<BootCase, (ContractVerdict Verdict, string Detail)> Check)
{
    /// <summary>Evaluates the contract; a guest address outside RAM counts as a failure, never an exception.</summary>
    public ContractResult Evaluate(BootCase boot)
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

    /// <summary>A pass with its detail.</summary>
    public static (ContractVerdict, string) Pass(string detail) => (ContractVerdict.Pass, detail);

    /// <summary>A failure with its detail.</summary>
    public static (ContractVerdict, string) Fail(string detail) => (ContractVerdict.Fail, detail);

    /// <summary>Not applicable to this boot.</summary>
    public static (ContractVerdict, string) Skip(string why) => (ContractVerdict.NotApplicable, why);

    /// <summary>Pass or fail by <paramref name="holds"/>, with the same detail.</summary>
    public static (ContractVerdict, string) Expect(bool holds, string detail) => (holds ? ContractVerdict.Pass : ContractVerdict.Fail, detail);

    /// <summary>Pass when what the kernel shows equals what we loaded, both rendered as text; a failure shows both.</summary>
    public static (ContractVerdict, string) Same(string expected, string actual) =>
        expected == actual ? Pass(actual) : Fail($"{actual} (expected {expected})");

    /// <summary>A memory map as one line, the form contract details compare.</summary>
    public static string Format(IEnumerable<LoaderHarness.Loader.Boot.MemoryMap.MemoryMapEntry> entries) =>
        string.Join(", ", entries.Select(e => $"[0x{e.Address:x}, +0x{e.Size:x}) {e.Type}"));
}
