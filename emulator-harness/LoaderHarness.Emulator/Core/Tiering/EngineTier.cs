namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>How an engine executes guest code.</summary>
public enum EngineTier
{
    /// <summary>Every instruction through the decoded-instruction interpreter.</summary>
    Interpreter,

    /// <summary>
    /// The interpreter for cold code; code that runs often is translated to IL, compiled by the .NET JIT and
    /// run from then on, with the same architectural results, instruction counts and stops.
    /// </summary>
    Tiered,
}
