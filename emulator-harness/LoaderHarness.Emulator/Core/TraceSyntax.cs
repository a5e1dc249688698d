namespace LoaderHarness.Emulator.Core;

/// <summary>Assembly syntax for x86 traces (arm64 has one: Capstone's).</summary>
public enum TraceSyntax
{
    /// <summary>AT&amp;T / GNU as.</summary>
    Gas,
    /// <summary>Intel (as in the SDM).</summary>
    Intel,
}
