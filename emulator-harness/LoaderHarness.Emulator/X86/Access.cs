namespace LoaderHarness.Emulator.X86;

/// <summary>The kind of memory access a translation is for.</summary>
internal enum Access
{
    /// <summary>Data read.</summary>
    Read,
    /// <summary>Data write.</summary>
    Write,
    /// <summary>Instruction fetch.</summary>
    Execute,
}
