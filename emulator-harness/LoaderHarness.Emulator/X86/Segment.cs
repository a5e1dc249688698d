namespace LoaderHarness.Emulator.X86;

/// <summary>
/// A segment register with its hidden descriptor cache: what the CPU actually uses after a load
/// (Intel SDM Vol. 3A §3.4.3). <see cref="Attributes"/> packs descriptor bits 40–47 into bits 0–7
/// (type, S, DPL, P) and bits 52–55 into bits 12–15 (AVL, L, D/B, G), the VMX access-rights layout.
/// </summary>
public readonly record struct Segment(ushort Selector, ulong Base, uint Limit, ushort Attributes)
{
    /// <summary>Bit 8 of <see cref="Attributes"/> (unused by descriptors): the segment was loaded with a null selector.</summary>
    public const ushort UnusableBit = 0x0100;

    /// <summary>Descriptor type field (bits 0–3): for code/data, bit 3 = code, bit 1 = readable/writable, bit 2 = conforming/expand-down.</summary>
    public int Type => Attributes & 0xF;

    /// <summary>S bit: 1 for code/data, 0 for system descriptors.</summary>
    public bool IsCodeOrData => (Attributes & 0x10) != 0;

    /// <summary>Descriptor privilege level.</summary>
    public int Dpl => (Attributes >> 5) & 3;

    /// <summary>Present bit.</summary>
    public bool Present => (Attributes & 0x80) != 0;

    /// <summary>L bit: 64-bit code segment.</summary>
    public bool Long => (Attributes & 0x2000) != 0;

    /// <summary>D/B bit: 32-bit default operand size (code) or 32-bit stack pointer (SS).</summary>
    public bool Big => (Attributes & 0x4000) != 0;

    /// <summary>Whether the segment was loaded with a null selector (accesses through it fault).</summary>
    public bool Unusable => (Attributes & UnusableBit) != 0;

    /// <summary>Whether this is a code segment.</summary>
    public bool IsCode => IsCodeOrData && (Attributes & 0x8) != 0;

    /// <summary>
    /// Builds the cache contents from an 8-byte GDT/LDT descriptor (SDM Vol. 3A §3.4.5): base from bits
    /// 16–39 and 56–63, limit from bits 0–15 and 48–51 scaled by 4 KiB when G is set.
    /// </summary>
    public static Segment FromDescriptor(ushort selector, ulong raw)
    {
        var baseAddr = ((raw >> 16) & 0xFF_FFFF) | (((raw >> 56) & 0xFF) << 24);
        var limit = (uint)((raw & 0xFFFF) | ((raw >> 32) & 0xF_0000));
        var attributes = (ushort)(((raw >> 40) & 0xFF) | (((raw >> 52) & 0xF) << 12));
        if ((attributes & 0x8000) != 0)
            limit = (limit << 12) | 0xFFF;
        return new Segment(selector, baseAddr, limit, attributes);
    }

    /// <summary>A real-mode segment: base = selector × 16, 64 KiB limit, writable data (SDM Vol. 3A §20.1.1).</summary>
    public static Segment RealMode(ushort selector) => new(selector, (ulong)selector << 4, 0xFFFF, 0x93);

    /// <summary>A flat 4 GiB segment with the given access byte and flags nibble (e.g. 0x9B/0xC for 32-bit code, 0x9B/0xA for 64-bit code).</summary>
    public static Segment Flat(ushort selector, byte access, byte flags)
        => new(selector, 0, 0xFFFF_FFFF, (ushort)(access | (flags << 12)));
}
