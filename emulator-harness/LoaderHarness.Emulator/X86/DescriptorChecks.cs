using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers: LAR, LSL, VERR, VERW (SDM Vol. 2 of each). They inspect a descriptor without
/// loading it and report in ZF whether the selector is usable for the purpose; they fault only with #UD
/// outside protected mode (or on a page fault reading the table).
/// </summary>
internal static unsafe class DescriptorChecks
{
    /// <summary>
    /// Reads the descriptor and applies the common rules: not null, inside its table, and, unless it is a
    /// conforming code segment, DPL ≥ max(CPL, RPL).
    /// </summary>
    private static bool Visible(X86Cpu c, ushort selector, out Segment descriptor, out ulong raw)
    {
        if (!c.Protected)
            c.Throw(ExceptionVector.InvalidOpcode);
        descriptor = default;
        if (!c.TryReadDescriptor(selector, out raw))
            return false;
        descriptor = Segment.FromDescriptor(selector, raw);
        var conformingCode = descriptor.IsCode && (descriptor.Type & 4) != 0;
        return conformingCode || descriptor.Dpl >= Math.Max(c.Cpl, selector & 3);
    }

    private static bool LongMode(X86Cpu c) => (c.Efer & ControlBits.EferLma) != 0;

    private static void SetZf(X86Cpu c, bool zf) => c.SetArith((c.ArithFlags() & ~FlagBits.ZF) | (zf ? FlagBits.ZF : 0));

    /// <summary>LAR: access rights (descriptor bits 63:32 AND 00F0FF00h; AND FF00h for a 16-bit destination) of any code/data segment or of the system types the mode allows.</summary>
    public static void Lar(X86Cpu c, ref DecodedInstruction d)
    {
        var selector = (ushort)c.ReadOp(ref d, 1, 2);
        var ok = Visible(c, selector, out var s, out var raw)
            && (s.IsCodeOrData || (LongMode(c) ? s.Type is 2 or 9 or 0xB or 0xC : s.Type is 1 or 2 or 3 or 4 or 5 or 9 or 0xB or 0xC));
        if (ok)
            c.WriteReg(d.I.Op0Register, (raw >> 32) & (d.OpSize == 2 ? 0xFF00UL : 0x00F0_FF00UL));
        SetZf(c, ok);
    }

    /// <summary>LSL: the byte-granular segment limit of any code/data segment, LDT or TSS.</summary>
    public static void Lsl(X86Cpu c, ref DecodedInstruction d)
    {
        var selector = (ushort)c.ReadOp(ref d, 1, 2);
        var ok = Visible(c, selector, out var s, out _)
            && (s.IsCodeOrData || (LongMode(c) ? s.Type is 2 or 9 or 0xB : s.Type is 1 or 2 or 3 or 9 or 0xB));
        if (ok)
            c.WriteReg(d.I.Op0Register, s.Limit);
        SetZf(c, ok);
    }

    /// <summary>VERR: ZF = 1 when the segment is a data segment or readable code segment visible at this CPL/RPL.</summary>
    public static void Verr(X86Cpu c, ref DecodedInstruction d)
    {
        var selector = (ushort)c.ReadOp(ref d, 0, 2);
        SetZf(c, Visible(c, selector, out var s, out _) && s.IsCodeOrData && (!s.IsCode || (s.Type & 2) != 0));
    }

    /// <summary>VERW: ZF = 1 when the segment is a writable data segment visible at this CPL/RPL.</summary>
    public static void Verw(X86Cpu c, ref DecodedInstruction d)
    {
        var selector = (ushort)c.ReadOp(ref d, 0, 2);
        SetZf(c, Visible(c, selector, out var s, out _) && s.IsCodeOrData && !s.IsCode && (s.Type & 2) != 0);
    }
}
