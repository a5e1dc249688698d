namespace LoaderHarness.Cli.Conform;

/// <summary>What the JUnit report does with a contract that does not apply to a case (<c>--junit-skipped</c>).</summary>
internal enum JUnitSkipped
{
    /// <summary>No testcase; the suite lists the contract ids in a <c>not-applicable</c> property. A dashboard counts no skips.</summary>
    Omit,
    /// <summary>A testcase with <c>&lt;skipped&gt;</c> and the reason.</summary>
    Skip,
}
