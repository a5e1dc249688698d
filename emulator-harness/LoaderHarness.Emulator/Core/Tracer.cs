namespace LoaderHarness.Emulator.Core;

/// <summary>
/// Writes one line per executed instruction, the same for both architectures: a <c>&lt;symbol&gt;:</c>
/// line when a symbol starts at the address, then the address, the instruction's encoding and its
/// disassembly (x86 by Iced in <see cref="Syntax"/>, arm64 by Capstone). Branch targets and x86 memory
/// operands are shown as symbols when <see cref="Symbols"/> names them. Tracing allocates (strings per
/// line) and is meant for diagnosis, not for timed runs.
/// </summary>
public sealed class Tracer
{
    private readonly TextWriter _output;

    /// <summary>Traces to <paramref name="output"/>; <paramref name="symbols"/> maps an address to the name of the symbol starting there (or null).</summary>
    public Tracer(TextWriter output, Func<ulong, string?>? symbols = null, TraceSyntax syntax = TraceSyntax.Gas)
    {
        _output = output;
        Symbols = symbols;
        Syntax = syntax;
    }

    /// <summary>Names the symbol starting at an address, or null.</summary>
    public Func<ulong, string?>? Symbols { get; }

    /// <summary>x86 assembly syntax (arm64 traces use Capstone's only syntax).</summary>
    public TraceSyntax Syntax { get; }

    /// <summary>Writes the line of one instruction at <paramref name="address"/> (x86 linear, arm64 virtual).</summary>
    /// <param name="address">Where the instruction is.</param>
    /// <param name="encoding">The encoding as the architecture's disassemblers print it (x86 bytes in memory order, arm64 the 32-bit word).</param>
    /// <param name="disassembly">The instruction's text.</param>
    internal void Write(ulong address, string encoding, string disassembly)
    {
        var symbol = Symbols?.Invoke(address);
        if (symbol is not null)
            _output.WriteLine($"<{symbol}>:");
        _output.WriteLine($"{address:x16}  {encoding,-16}  {disassembly}");
    }
}
