namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Writes one line per executed instruction: PC, the symbol when one starts there, the word and
/// Capstone's disassembly at that address. Tracing allocates and disassembles per line: for diagnosis only.
/// </summary>
public sealed class Arm64Tracer
{
    private readonly TextWriter _output;
    private readonly Func<ulong, string?>? _symbols;

    /// <summary>Traces to <paramref name="output"/>; <paramref name="symbols"/> names the address a symbol starts at (or null).</summary>
    public Arm64Tracer(TextWriter output, Func<ulong, string?>? symbols = null)
    {
        _output = output;
        _symbols = symbols;
    }

    internal void Write(Arm64Cpu cpu, uint word, ulong pc)
    {
        var symbol = _symbols?.Invoke(pc);
        if (symbol is not null)
            _output.WriteLine($"<{symbol}>:");
        var text = CapstoneA64.Describe(word, pc)?.ToString() ?? $".inst 0x{word:x8}";
        _output.WriteLine($"{pc:x16}  {word:x8}  {text}");
    }
}
