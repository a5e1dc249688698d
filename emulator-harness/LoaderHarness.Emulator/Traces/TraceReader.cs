using System.Globalization;
using System.Text.RegularExpressions;

namespace LoaderHarness.Emulator.Traces;

/// <summary>
/// Reads an instruction trace in either layout, telling them apart line by line: this harness's Iced layout
/// (<c>--trace-format iced</c>: address, encoding and disassembly lines with indented <c>name=value</c> lines of
/// changed registers between them) or QEMU's <c>-d in_asm,cpu</c> log (ours, <c>--trace-format qemu</c>, or
/// QEMU's own, best with <c>-singlestep</c> and <c>-d nochain</c> so every instruction gets its dump). Register
/// names become the Iced layout's: QEMU's <c>EAX</c>/<c>RAX</c> are <c>rax</c>, <c>EFL</c>/<c>RFL</c> are
/// <c>rflags</c>, a segment line gives <c>cs</c>, <c>cs.base</c>, <c>cs.limit</c>, <c>cs.flags</c>. QEMU's
/// <c>CCS</c>/<c>CCD</c>/<c>CCO</c> (TCG's lazy-flag operands, not architectural state) are skipped.
/// Consecutive records at one address are folded into the first: QEMU logs every iteration of a REP string
/// instruction as an execution of its own (target/i386/tcg/translate.c gen_repz jumps back to the instruction),
/// an engine may run them in one step.
/// </summary>
public static partial class TraceReader
{
    /// <summary>Reads every record of <paramref name="input"/>, lazily.</summary>
    public static IEnumerable<TraceRecord> Read(TextReader input)
    {
        var parser = new Parser();
        string? text;
        long line = 0;
        while ((text = input.ReadLine()) is not null)
        {
            line++;
            var record = parser.Feed(text, line);
            if (record is not null && parser.Keep(record) is { } kept)
                yield return kept;
        }
        if (parser.Finish(line) is { } last && parser.Keep(last) is { } tail)
            yield return tail;
    }

    [GeneratedRegex(@"^[0-9a-f]{16}  ")]
    private static partial Regex IcedInstruction();

    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9]*)\s*=\s*([0-9a-fA-F]+)\b")]
    private static partial Regex Pair();

    [GeneratedRegex(@"^(ES|CS|SS|DS|FS|GS|LDT|TR)\s*=([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)")]
    private static partial Regex QemuSegment();

    [GeneratedRegex(@"^(GDT|IDT)=\s+([0-9a-f]+) ([0-9a-f]+)")]
    private static partial Regex QemuTable();

    [GeneratedRegex(@"^(?:[0-9a-f]{8} |[0-9a-f]{2} )+")]
    private static partial Regex QemuEncoding();

    [GeneratedRegex(@"^0x([0-9a-f]+):  (.*)$")]
    private static partial Regex QemuInstruction();

    /// <summary>The line-by-line state of one read.</summary>
    private sealed class Parser
    {
        private readonly Dictionary<string, TraceValue> _icedState = [];
        private readonly Dictionary<ulong, string> _qemuText = [];
        private Dictionary<string, TraceValue>? _dump;
        private bool _dump64;
        private long _index;
        private ulong? _lastPc;

        /// <summary>Takes one line; returns a record when the line completes one.</summary>
        public TraceRecord? Feed(string text, long line)
        {
            if (IcedInstruction().IsMatch(text))
            {
                var pc = ulong.Parse(text.AsSpan(0, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var rest = text[18..];
                var space = rest.IndexOf(' ');
                var instruction = space < 0 ? null : rest[space..].Trim();
                return new TraceRecord(0, line, pc, instruction, new Dictionary<string, TraceValue>(_icedState));
            }
            if (text.StartsWith("  ", StringComparison.Ordinal) && text.Contains('=', StringComparison.Ordinal))
            {
                // The Iced layout prints full 64-bit values without leading zeros.
                foreach (Match m in Pair().Matches(text))
                    _icedState[m.Groups[1].Value] = Hex(m.Groups[2].Value) with { Bits = 64 };
                return null;
            }
            if (text.StartsWith("----------------", StringComparison.Ordinal) || text.StartsWith("IN:", StringComparison.Ordinal))
                return Finish(line - 1);
            if (QemuInstruction().Match(text) is { Success: true } asm)
            {
                // cap_dump_insn: x86 bytes as "%02x " padded to 24 columns, arm64 the word as "%08x ", then
                // " mnemonic operands"; a continuation line of a long x86 instruction has bytes only.
                var instruction = QemuEncoding().Replace(asm.Groups[2].Value, "").Trim();
                if (instruction.Length > 0)
                    _qemuText[ulong.Parse(asm.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = instruction;
                return null;
            }
            var start = text.StartsWith("RAX=", StringComparison.Ordinal) || text.StartsWith("EAX=", StringComparison.Ordinal)
                || text.StartsWith(" PC=", StringComparison.Ordinal);
            if (start)
            {
                var done = Finish(line - 1);
                _dump = [];
                _dump64 = text.StartsWith("RAX=", StringComparison.Ordinal) || text.StartsWith(" PC=", StringComparison.Ordinal);
                AddPairs(text);
                return done;
            }
            if (_dump is null)
                return null;
            if (QemuSegment().Match(text) is { Success: true } seg)
            {
                var name = seg.Groups[1].Value.ToLowerInvariant();
                _dump[name] = Hex(seg.Groups[2].Value);
                _dump[name + ".base"] = Hex(seg.Groups[3].Value);
                _dump[name + ".limit"] = Hex(seg.Groups[4].Value);
                _dump[name + ".flags"] = Hex(seg.Groups[5].Value);
            }
            else if (QemuTable().Match(text) is { Success: true } table)
            {
                var name = table.Groups[1].Value.ToLowerInvariant();
                _dump[name + ".base"] = Hex(table.Groups[2].Value);
                _dump[name + ".limit"] = Hex(table.Groups[3].Value);
            }
            else if (!text.StartsWith("CCS=", StringComparison.Ordinal))
                AddPairs(text);
            return null;
        }

        /// <summary>Completes a pending QEMU dump, if any, as the record of the line before <paramref name="line"/>.</summary>
        public TraceRecord? Finish(long line)
        {
            if (_dump is not { } d)
                return null;
            _dump = null;
            ulong pc;
            if (d.TryGetValue("pc", out var armPc))
                pc = armPc.Value;
            else if (d.TryGetValue("rip", out var rip))
                pc = _dump64 ? rip.Value : (uint)(rip.Value + (d.TryGetValue("cs.base", out var cs) ? cs.Value : 0));
            else
                return null;
            return new TraceRecord(0, line, pc, _qemuText.GetValueOrDefault(pc), d);
        }

        /// <summary>Numbers the record, or drops it when it repeats the previous record's address.</summary>
        public TraceRecord? Keep(TraceRecord record)
        {
            if (_lastPc == record.Pc)
                return null;
            _lastPc = record.Pc;
            return record with { Index = _index++ };
        }

        private void AddPairs(string text)
        {
            foreach (Match m in Pair().Matches(text))
                _dump![QemuName(m.Groups[1].Value)] = Hex(m.Groups[2].Value);
        }
    }

    /// <summary>QEMU's register name as the Iced layout spells it.</summary>
    private static string QemuName(string name)
    {
        var lower = name.ToLowerInvariant();
        return lower switch
        {
            "efl" or "rfl" => "rflags",
            "eax" or "ebx" or "ecx" or "edx" or "esi" or "edi" or "ebp" or "esp" or "eip" => "r" + lower[1..],
            _ when lower.Length == 3 && lower[0] == 'x' && char.IsAsciiDigit(lower[1]) => "x" + int.Parse(lower[1..], CultureInfo.InvariantCulture),
            _ => lower,
        };
    }

    private static TraceValue Hex(string digits) =>
        new(ulong.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture), Math.Min(64, digits.Length * 4));
}
