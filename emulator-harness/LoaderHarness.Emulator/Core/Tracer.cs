using System.Globalization;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// Writes every executed instruction, the same for both architectures, in one of two layouts
/// (<see cref="Format"/>). <see cref="TraceFormat.Iced"/>: a <c>&lt;symbol&gt;:</c> line when a symbol starts at
/// the address, then the address, the instruction's encoding and its disassembly (x86 by Iced in
/// <see cref="Syntax"/>, arm64 by Capstone), each preceded by an indented line of the registers that changed
/// since the previous instruction. <see cref="TraceFormat.Qemu"/>: QEMU's <c>-d in_asm,cpu</c> log as QEMU 7.2
/// writes it with one instruction per translation block (<c>-singlestep</c>), so its own tools and
/// <c>trace-diff</c> read both alike. Branch targets and x86 memory operands are shown as symbols when
/// <see cref="Symbols"/> names them. Tracing allocates (strings per line) and is meant for diagnosis, not for
/// timed runs.
/// </summary>
public sealed class Tracer
{
    /// <summary>
    /// QEMU prints this many instruction bytes on an <c>in_asm</c> line before the mnemonic and the rest on
    /// continuation lines (disas/capstone.c cap_dump_insn, <c>cap_insn_split</c> = 8 for x86 in
    /// target/i386/cpu.c x86_disas_set_info; 4 for aarch64 in target/arm/cpu.c).
    /// </summary>
    private const int QemuBytesPerLine = 8;

    private readonly TextWriter _output;
    private ulong[]? _previous;
    private ulong[]? _current;

    /// <summary>Traces to <paramref name="output"/>; <paramref name="symbols"/> maps an address to the name of the symbol starting there (or null).</summary>
    public Tracer(TextWriter output, Func<ulong, string?>? symbols = null, TraceSyntax syntax = TraceSyntax.Gas, TraceFormat format = TraceFormat.Iced)
    {
        _output = output;
        Symbols = symbols;
        Syntax = syntax;
        Format = format;
    }

    /// <summary>Names the symbol starting at an address, or null.</summary>
    public Func<ulong, string?>? Symbols { get; }

    /// <summary>x86 assembly syntax (arm64 traces use Capstone's only syntax).</summary>
    public TraceSyntax Syntax { get; }

    /// <summary>The layout of each instruction's record.</summary>
    public TraceFormat Format { get; }

    /// <summary>The line QEMU's <c>in_asm</c> log writes before each translation block (accel/tcg/translator.c translator_loop).</summary>
    public const string QemuSeparator = "----------------";

    /// <summary>Writes the record of one instruction at <paramref name="address"/> (x86 linear, arm64 virtual).</summary>
    /// <param name="address">Where the instruction is.</param>
    /// <param name="encoding">The encoding as the architecture's disassemblers print it (x86 bytes in memory order, arm64 the 32-bit word).</param>
    /// <param name="disassembly">The instruction's text.</param>
    /// <param name="state">The CPU's registers before the instruction, or null to write none.</param>
    internal void Write(ulong address, string encoding, string disassembly, ITraceState? state = null)
    {
        var symbol = Symbols?.Invoke(address);
        if (Format == TraceFormat.Qemu)
        {
            WriteQemu(address, encoding, disassembly, symbol, state);
            return;
        }
        if (state is not null)
            WriteChanges(state);
        if (symbol is not null)
            _output.WriteLine($"<{symbol}>:");
        _output.WriteLine($"{address:x16}  {encoding,-16}  {disassembly}");
    }

    /// <summary>
    /// One translation block of one instruction as QEMU logs it: the separator (accel/tcg/translator.c
    /// translator_loop) and <c>IN: symbol</c> (target/i386/tcg/translate.c i386_tr_disas_log), the instruction as disas/capstone.c cap_dump_insn prints it
    /// (<c>0x%08x:  </c>, the bytes as <c>%02x </c> padded to <see cref="QemuBytesPerLine"/>, <c> %-8s %s</c>),
    /// a blank line, then the CPU state (accel/tcg/cpu-exec.c log_cpu_exec).
    /// </summary>
    private void WriteQemu(ulong address, string encoding, string disassembly, string? symbol, ITraceState? state)
    {
        _output.WriteLine(QemuSeparator);
        _output.WriteLine($"IN: {symbol}");
        var bytes = encoding.Length / 2;
        var mnemonicEnd = disassembly.IndexOf(' ');
        var mnemonic = mnemonicEnd < 0 ? disassembly : disassembly[..mnemonicEnd];
        var operands = mnemonicEnd < 0 ? "" : disassembly[(mnemonicEnd + 1)..].TrimStart();
        if (state is { WordEncoding: true })
        {
            // disas/capstone.c cap_dump_insn_units: one 4-byte unit as "%08x ", then " %-8s %s".
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"0x{address:x8}:  {encoding}  {mnemonic,-8} {operands}"));
            _output.WriteLine();
            state.WriteQemu(_output);
            return;
        }
        var line = new System.Text.StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"0x{address:x8}:  ");
        for (var i = 0; i < Math.Min(bytes, QemuBytesPerLine); i++)
            line.Append(encoding, i * 2, 2).Append(' ');
        line.Append(' ', Math.Max(0, QemuBytesPerLine - bytes) * 3);
        line.Append(CultureInfo.InvariantCulture, $" {mnemonic,-8} {operands}");
        _output.WriteLine(line.ToString());
        for (var at = QemuBytesPerLine; at < bytes; at += QemuBytesPerLine)
        {
            line.Clear().Append(CultureInfo.InvariantCulture, $"0x{address + (ulong)at:x8}:  ");
            for (var i = at; i < Math.Min(bytes, at + QemuBytesPerLine); i++)
                line.Append(encoding, i * 2, 2).Append(' ');
            _output.WriteLine(line.ToString());
        }
        _output.WriteLine();
        state?.WriteQemu(_output);
    }

    /// <summary>The registers that differ from the previous record's, as <c>  name=value</c> pairs on one line (all of them the first time).</summary>
    private void WriteChanges(ITraceState state)
    {
        var names = state.Names;
        _current ??= new ulong[names.Count];
        state.Capture(_current);
        var line = new System.Text.StringBuilder(" ");
        for (var i = 0; i < names.Count; i++)
        {
            if (_previous is not null && _previous[i] == _current[i])
                continue;
            line.Append(CultureInfo.InvariantCulture, $" {names[i]}={_current[i]:x}");
        }
        if (line.Length > 1)
            _output.WriteLine(line.ToString());
        (_previous, _current) = (_current, _previous ?? new ulong[names.Count]);
    }
}
