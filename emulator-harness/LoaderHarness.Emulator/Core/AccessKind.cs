namespace LoaderHarness.Emulator.Core;

/// <summary>What a translation is for: permissions and the fault reported differ.</summary>
internal enum AccessKind
{
    /// <summary>Data read.</summary>
    Read,
    /// <summary>Data write.</summary>
    Write,
    /// <summary>Instruction fetch.</summary>
    Execute,
}
