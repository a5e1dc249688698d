namespace LoaderHarness.Emulator.X86;

/// <summary>RFLAGS bits (SDM Vol. 1 §3.4.3).</summary>
public static class FlagBits
{
    /// <summary>Carry.</summary>
    public const ulong CF = 1 << 0;
    /// <summary>Reserved, always 1.</summary>
    public const ulong Fixed1 = 1 << 1;
    /// <summary>Parity.</summary>
    public const ulong PF = 1 << 2;
    /// <summary>Auxiliary carry.</summary>
    public const ulong AF = 1 << 4;
    /// <summary>Zero.</summary>
    public const ulong ZF = 1 << 6;
    /// <summary>Sign.</summary>
    public const ulong SF = 1 << 7;
    /// <summary>Trap.</summary>
    public const ulong TF = 1 << 8;
    /// <summary>Interrupt enable.</summary>
    public const ulong IF = 1 << 9;
    /// <summary>Direction.</summary>
    public const ulong DF = 1 << 10;
    /// <summary>Overflow.</summary>
    public const ulong OF = 1 << 11;
    /// <summary>I/O privilege level (2 bits).</summary>
    public const ulong IOPL = 3 << 12;
    /// <summary>Nested task.</summary>
    public const ulong NT = 1 << 14;
    /// <summary>Resume.</summary>
    public const ulong RF = 1 << 16;
    /// <summary>Virtual-8086 mode.</summary>
    public const ulong VM = 1 << 17;
    /// <summary>Alignment check.</summary>
    public const ulong AC = 1 << 18;
    /// <summary>Virtual interrupt flag.</summary>
    public const ulong VIF = 1 << 19;
    /// <summary>Virtual interrupt pending.</summary>
    public const ulong VIP = 1 << 20;
    /// <summary>CPUID available.</summary>
    public const ulong ID = 1 << 21;

    /// <summary>The six arithmetic status flags.</summary>
    public const ulong Arithmetic = CF | PF | AF | ZF | SF | OF;

    /// <summary>Bits software can change at all.</summary>
    public const ulong Writable = Arithmetic | TF | IF | DF | IOPL | NT | RF | VM | AC | VIF | VIP | ID;
}
