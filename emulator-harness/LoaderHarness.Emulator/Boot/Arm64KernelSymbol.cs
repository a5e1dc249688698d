namespace LoaderHarness.Emulator.Boot;

/// <summary>One kallsyms entry of an arm64 Image.</summary>
/// <param name="Offset">Byte offset from the start of the Image (<c>_text</c>).</param>
/// <param name="Type">nm's type letter (T, t ...).</param>
/// <param name="Name">The symbol name.</param>
public readonly record struct Arm64KernelSymbol(ulong Offset, char Type, string Name);
