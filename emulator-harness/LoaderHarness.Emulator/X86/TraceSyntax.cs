namespace LoaderHarness.Emulator.X86;

/// <summary>Assembly syntax for traces.</summary>
public enum TraceSyntax
{
    /// <summary>AT&amp;T / GNU as.</summary>
    Gas,
    /// <summary>Intel (as in the SDM).</summary>
    Intel,
}
