using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Writes one line per executed instruction: linear address, the symbol when one starts there, and the
/// instruction formatted by Iced; branch targets and memory operands are shown as symbols when known.
/// Tracing allocates (strings per line) and is meant for diagnosis, not for timed runs.
/// </summary>
public sealed class Tracer : ISymbolResolver
{
    private readonly TextWriter _output;
    private readonly Formatter _formatter;
    private readonly Func<ulong, string?>? _symbols;
    private readonly StringOutput _text = new();

    /// <summary>Traces to <paramref name="output"/>; <paramref name="symbols"/> maps an address to a name (or null).</summary>
    public Tracer(TextWriter output, TraceSyntax syntax = TraceSyntax.Gas, Func<ulong, string?>? symbols = null)
    {
        _output = output;
        _symbols = symbols;
        _formatter = syntax == TraceSyntax.Gas ? new GasFormatter(this) : new IntelFormatter(this);
    }

    internal void Write(X86Cpu cpu, ref Instruction instruction, ulong linear)
    {
        var symbol = _symbols?.Invoke(linear);
        if (symbol is not null)
            _output.WriteLine($"<{symbol}>:");
        _formatter.Format(instruction, _text);
        _output.WriteLine($"{linear:x16}  {_text.ToStringAndReset()}");
    }

    /// <inheritdoc/>
    public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address, int addressSize, out SymbolResult symbol)
    {
        var name = _symbols?.Invoke(address);
        if (name is null)
        {
            symbol = default;
            return false;
        }
        symbol = new SymbolResult(address, name);
        return true;
    }
}
