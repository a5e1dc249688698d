using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The x86 disassembler of <see cref="Tracer"/>: formats an already decoded Iced instruction, naming branch
/// targets and memory operands through the tracer's symbols. Allocates per call: diagnosis only.
/// </summary>
internal sealed class IcedDisassembler : ISymbolResolver
{
    private readonly Formatter _formatter;
    private readonly Func<ulong, string?>? _symbols;
    private readonly StringOutput _text = new();

    public IcedDisassembler(TraceSyntax syntax, Func<ulong, string?>? symbols)
    {
        _symbols = symbols;
        _formatter = syntax == TraceSyntax.Gas ? new GasFormatter(this) : new IntelFormatter(this);
    }

    /// <summary>The instruction's text.</summary>
    public string Format(in Instruction instruction)
    {
        _formatter.Format(instruction, _text);
        return _text.ToStringAndReset();
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
