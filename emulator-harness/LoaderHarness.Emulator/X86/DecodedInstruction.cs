using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// One cached decoded instruction: Iced's decoding plus what the handlers need precomputed
/// (handler, operand/address sizes, effective segment), so executing it allocates and decodes nothing.
/// </summary>
internal unsafe struct DecodedInstruction
{
    /// <summary>Iced's decoding (IP-dependent fields match the linear page it was decoded at).</summary>
    public Instruction I;

    /// <summary>The handler from <see cref="DispatchTable"/>.</summary>
    public delegate*<X86Cpu, ref DecodedInstruction, void> Handler;

    /// <summary>Operand 1's immediate masked to <see cref="OpSize"/> (0 when operand 1 is not an immediate).</summary>
    public ulong Imm;

    /// <summary>Address-size mask (0xFFFF, 0xFFFFFFFF or all ones).</summary>
    public ulong AddrMask;

    /// <summary>Size in bytes of operand 0 (or the operand-size attribute when operand 0 is neither register nor memory).</summary>
    public byte OpSize;

    /// <summary>Operand-size attribute (2, 4 or 8) from the mode, 0x66 and REX.W; for stack operations, the push/pop width.</summary>
    public byte OpAttr;

    /// <summary>Address size in bytes.</summary>
    public byte AddrSize;

    /// <summary>Size in bytes of the memory operand (0 when there is none).</summary>
    public byte MemSize;

    /// <summary>Segment of the memory operand (SegmentRegister index, overrides applied).</summary>
    public byte Seg;

    /// <summary>Execution must stop before this instruction (breakpoint or stop address).</summary>
    public bool Breakpoint;
}
