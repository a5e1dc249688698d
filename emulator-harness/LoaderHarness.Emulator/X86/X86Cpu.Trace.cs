using System.Globalization;
using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The register state a trace shows before each instruction: QEMU 7.2's <c>-d cpu</c> dump
/// (target/i386/cpu-dump.c x86_cpu_dump_state, cpu_x86_dump_seg_cache) and the same values by name for the
/// Iced layout. Only called while tracing.
/// </summary>
public sealed partial class X86Cpu : ITraceState
{
    private static readonly Register[] GeneralRegisters =
    [
        Register.RAX, Register.RBX, Register.RCX, Register.RDX, Register.RSI, Register.RDI, Register.RBP, Register.RSP,
        Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15,
    ];

    // QEMU's order: the six segment registers ES CS SS DS FS GS, then LDT and TR (x86_cpu_dump_state's seg_name);
    // SegmentRegister has the same order.
    private static readonly string[] SegmentNames = ["es", "cs", "ss", "ds", "fs", "gs", "ldt", "tr"];

    private static readonly string[] TraceNames = BuildTraceNames();

    /// <inheritdoc/>
    IReadOnlyList<string> ITraceState.Names => TraceNames;

    private static string[] BuildTraceNames()
    {
        var names = new List<string>();
        foreach (var r in GeneralRegisters)
            names.Add(r.ToString().ToLowerInvariant());
        names.AddRange(["rflags", "cpl", "ii"]);
        foreach (var s in SegmentNames)
            names.AddRange([s, s + ".base", s + ".limit", s + ".flags"]);
        names.AddRange(["gdt.base", "gdt.limit", "idt.base", "idt.limit", "cr0", "cr2", "cr3", "cr4",
            "dr0", "dr1", "dr2", "dr3", "dr6", "dr7", "efer"]);
        return [.. names];
    }

    /// <inheritdoc/>
    void ITraceState.Capture(ulong[] values)
    {
        var i = 0;
        foreach (var r in GeneralRegisters)
            values[i++] = this[r];
        values[i++] = GetRflags();
        values[i++] = (ulong)Cpl;
        values[i++] = InShadow ? 1UL : 0;
        for (var s = 0; s < 8; s++)
        {
            var seg = Seg[s];
            values[i++] = seg.Selector;
            values[i++] = seg.Base;
            values[i++] = seg.Limit;
            values[i++] = QemuFlags(seg);
        }
        values[i++] = Gdtr.Base;
        values[i++] = Gdtr.Limit;
        values[i++] = Idtr.Base;
        values[i++] = Idtr.Limit;
        values[i++] = _cr0;
        values[i++] = Cr2;
        values[i++] = _cr3;
        values[i++] = _cr4;
        foreach (var d in (ReadOnlySpan<int>)[0, 1, 2, 3, 6, 7])
            values[i++] = DebugRegisters[d];
        values[i] = _efer;
    }

    /// <summary>
    /// QEMU's <c>SegmentCache.flags</c> masked as its dump prints it (<c>flags &amp; 0x00ffff00</c>): the descriptor's
    /// high dword with the access byte in bits 8–15, limit bits 19:16 in bits 16–19 and AVL, L, D/B, G in bits
    /// 20–23 (target/i386/cpu.h DESC_*_MASK). The limit nibble comes back from the expanded limit.
    /// </summary>
    private static ulong QemuFlags(Segment s)
    {
        var granular = (s.Attributes & 0x8000) != 0;
        var limitHigh = ((granular ? s.Limit >> 12 : s.Limit) >> 16) & 0xF;
        return ((ulong)(s.Attributes & 0xFF) << 8) | ((ulong)limitHigh << 16) | ((ulong)((s.Attributes >> 12) & 0xF) << 20);
    }

    /// <inheritdoc/>
    void ITraceState.WriteQemu(TextWriter o)
    {
        var rflags = GetRflags();
        var c = CultureInfo.InvariantCulture;
        // x86_cpu_dump_state picks the 64-bit layout by HF_CS64_MASK (CS.L in long mode) and the
        // descriptor-table / control-register layout by HF_LMA_MASK.
        if (Mode64)
        {
            for (var row = 0; row < 4; row++)
            {
                o.Write(string.Create(c, $"{GprName64(row * 4)}={this[GeneralRegisters[row * 4]]:x16} {GprName64(row * 4 + 1)}={this[GeneralRegisters[row * 4 + 1]]:x16} "));
                o.WriteLine(string.Create(c, $"{GprName64(row * 4 + 2)}={this[GeneralRegisters[row * 4 + 2]]:x16} {GprName64(row * 4 + 3)}={this[GeneralRegisters[row * 4 + 3]]:x16}"));
            }
            o.WriteLine(string.Create(c, $"RIP={Rip:x16} RFL={(uint)rflags:x8} {FlagLetters(rflags)} {StatusTail()}"));
        }
        else
        {
            o.WriteLine(string.Create(c, $"EAX={(uint)this[Register.RAX]:x8} EBX={(uint)this[Register.RBX]:x8} ECX={(uint)this[Register.RCX]:x8} EDX={(uint)this[Register.RDX]:x8}"));
            o.WriteLine(string.Create(c, $"ESI={(uint)this[Register.RSI]:x8} EDI={(uint)this[Register.RDI]:x8} EBP={(uint)this[Register.RBP]:x8} ESP={(uint)this[Register.RSP]:x8}"));
            o.WriteLine(string.Create(c, $"EIP={(uint)Rip:x8} EFL={(uint)rflags:x8} {FlagLetters(rflags)} {StatusTail()}"));
        }
        string[] qemuSegmentNames = ["ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"];
        for (var s = 0; s < 8; s++)
            o.WriteLine(DumpSegment(qemuSegmentNames[s], Seg[s]));
        var lma = (_efer & ControlBits.EferLma) != 0;
        if (lma)
        {
            o.WriteLine(string.Create(c, $"GDT=     {Gdtr.Base:x16} {Gdtr.Limit:x8}"));
            o.WriteLine(string.Create(c, $"IDT=     {Idtr.Base:x16} {Idtr.Limit:x8}"));
            o.WriteLine(string.Create(c, $"CR0={(uint)_cr0:x8} CR2={Cr2:x16} CR3={_cr3:x16} CR4={(uint)_cr4:x8}"));
        }
        else
        {
            o.WriteLine(string.Create(c, $"GDT=     {(uint)Gdtr.Base:x8} {Gdtr.Limit:x8}"));
            o.WriteLine(string.Create(c, $"IDT=     {(uint)Idtr.Base:x8} {Idtr.Limit:x8}"));
            o.WriteLine(string.Create(c, $"CR0={(uint)_cr0:x8} CR2={(uint)Cr2:x8} CR3={(uint)_cr3:x8} CR4={(uint)_cr4:x8}"));
        }
        // The debug registers print as target_ulong (16 digits on qemu-system-x86_64) in both layouts.
        o.WriteLine(string.Create(c, $"DR0={DebugRegisters[0]:x16} DR1={DebugRegisters[1]:x16} DR2={DebugRegisters[2]:x16} DR3={DebugRegisters[3]:x16} "));
        o.WriteLine(string.Create(c, $"DR6={DebugRegisters[6]:x16} DR7={DebugRegisters[7]:x16}"));
        // CCS/CCD/CCO are TCG's lazy-flag operands (CPU_DUMP_CCOP); this engine's flags are all in RFL, which
        // QEMU's "EFLAGS" operation means: the source and destination carry nothing then.
        o.WriteLine(Mode64 ? "CCS=0000000000000000 CCD=0000000000000000 CCO=EFLAGS" : "CCS=00000000 CCD=00000000 CCO=EFLAGS");
        o.WriteLine(string.Create(c, $"EFER={_efer:x16}"));
    }

    private static string GprName64(int index) => index switch
    {
        < 8 => GeneralRegisters[index].ToString(),
        < 10 => $"R{index} ",
        _ => $"R{index}",
    };

    /// <summary>QEMU's <c>[DOSZAPC]</c> letters: a flag's letter when set, '-' when clear.</summary>
    private static string FlagLetters(ulong f) => string.Create(CultureInfo.InvariantCulture,
        $"[{((f & FlagBits.DF) != 0 ? 'D' : '-')}{((f & FlagBits.OF) != 0 ? 'O' : '-')}{((f & FlagBits.SF) != 0 ? 'S' : '-')}{((f & FlagBits.ZF) != 0 ? 'Z' : '-')}{((f & FlagBits.AF) != 0 ? 'A' : '-')}{((f & FlagBits.PF) != 0 ? 'P' : '-')}{((f & FlagBits.CF) != 0 ? 'C' : '-')}]");

    /// <summary>CPL, the interrupt shadow (II), the A20 gate (always open here), SMM (never) and HLT (a halted CPU executes nothing to trace).</summary>
    private string StatusTail() => string.Create(CultureInfo.InvariantCulture, $"CPL={Cpl} II={(InShadow ? 1 : 0)} A20=1 SMM=0 HLT=0");

    /// <summary>One line of cpu_x86_dump_seg_cache: selector, base, limit, flags, then DPL and type when protected and present.</summary>
    private string DumpSegment(string name, Segment s)
    {
        var c = CultureInfo.InvariantCulture;
        var flags = QemuFlags(s);
        var line = Mode64
            ? string.Create(c, $"{name,-3}={s.Selector:x4} {s.Base:x16} {s.Limit:x8} {flags:x8}")
            : string.Create(c, $"{name,-3}={s.Selector:x4} {(uint)s.Base:x8} {s.Limit:x8} {flags:x8}");
        if ((_cr0 & ControlBits.Cr0Pe) == 0 || !s.Present)
            return line;
        var lma = (_efer & ControlBits.EferLma) != 0;
        string kind;
        if (s.IsCodeOrData)
        {
            var a = s.Attributes;
            kind = s.IsCode
                ? (s.Long ? "CS64" : s.Big ? "CS32" : "CS16") + $" [{((a & 4) != 0 ? 'C' : '-')}{((a & 2) != 0 ? 'R' : '-')}"
                : (s.Big || lma ? "DS  " : "DS16") + $" [{((a & 4) != 0 ? 'E' : '-')}{((a & 2) != 0 ? 'W' : '-')}";
            kind += (a & 1) != 0 ? "A]" : "-]";
        }
        else
        {
            string[] legacy = ["Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16", "TrapGate16",
                "Reserved", "TSS32-avl", "Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32", "TrapGate32"];
            string[] longMode = ["<hiword>", "Reserved", "LDT", "Reserved", "Reserved", "Reserved", "Reserved", "Reserved",
                "Reserved", "TSS64-avl", "Reserved", "TSS64-busy", "CallGate64", "Reserved", "IntGate64", "TrapGate64"];
            kind = (lma ? longMode : legacy)[s.Type];
        }
        return string.Create(c, $"{line} DPL={s.Dpl} {kind}");
    }
}
