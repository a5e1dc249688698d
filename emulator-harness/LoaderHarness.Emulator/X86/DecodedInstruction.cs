using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// One cached decoded instruction: Iced's decoding plus what the handlers need precomputed (handler,
/// operand/address sizes, effective segment, register slots and masks, addressing, branch target, links
/// to the instructions that follow it), so executing it allocates nothing and never re-inspects
/// <see cref="Instruction"/> on the common paths.
/// </summary>
internal unsafe struct DecodedInstruction : ICompiledEntry, IFetchedEntry
{
    // Fields are in the order the run loop and the handlers touch them, so that an entry's hot part (the chain's
    // handler, successor addresses and slots; then the operand description) spans as few cache lines as it can;
    // Iced's decoding, read when decoding and by the general handlers, comes last.

    /// <summary>The handler from <see cref="DispatchTable"/>.</summary>
    public delegate*<X86Cpu, ref DecodedInstruction, void> Handler;

    /// <summary>Offset of the next instruction in CS (wrapped to the IP width).</summary>
    public ulong NextIP;

    /// <summary>Near-branch target (0 when the instruction has none).</summary>
    public ulong Target;

    /// <summary>
    /// Where in its code page's entries the instruction at <see cref="NextIP"/> is, once known: in 16-byte units from the
    /// first entry (slot × <see cref="Core.EntryLinks{TEntry}.Units"/>), which the chain turns into an address with a shift instead of
    /// a multiplication by the entry's size; 0 = look it up.
    /// </summary>
    public ushort NextAt;

    /// <summary>As <see cref="NextAt"/>, for the instruction at <see cref="Target"/>.</summary>
    public ushort TargetAt;

    /// <summary>Execution must stop before this instruction (breakpoint or stop address).</summary>
    public bool Breakpoint;

    /// <summary>
    /// Interpreter: what this instruction can be fused as (<see cref="OperandForms.FusionOf"/>): a flag-setting ALU form that
    /// can take the conditional jump after it into its own handler, that jump, or nothing (0).
    /// </summary>
    public byte Fusion;

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

    /// <summary>What operands 0 and 1 are.</summary>
    public OperandKind K0, K1;

    /// <summary>GPR slots of operands 0 and 1 when they are general registers.</summary>
    public byte R0, R1;

    /// <summary>Right shift applied to the register value: 8 for AH/CH/DH/BH, else 0.</summary>
    public byte Sh0, Sh1;

    /// <summary>GPR slots of the memory operand's base and index (16, the zero slot, when absent or RIP).</summary>
    public byte Base, Index;

    /// <summary>log2 of the index scale.</summary>
    public byte ScaleShift;

    /// <summary>Condition code of Jcc/SETcc/CMOVcc/LOOPcc (Iced <see cref="ConditionCode"/>).</summary>
    public byte Cc;

    /// <summary>Memory operand displacement (for RIP-relative operands, the absolute address).</summary>
    public ulong Disp;

    /// <summary>Address-size mask (0xFFFF, 0xFFFFFFFF or all ones).</summary>
    public ulong AddrMask;

    /// <summary>Operand 1's immediate masked to <see cref="OpSize"/> (0 when operand 1 is not an immediate).</summary>
    public ulong Imm;

    /// <summary>Value mask of operand 0 (register width, or <see cref="OpSize"/> for memory).</summary>
    public ulong M0;

    /// <summary>Bits of operand 0's register kept when it is written (0 for 32/64-bit writes, which zero-extend).</summary>
    public ulong Keep0;

    /// <summary>Value mask of operand 1.</summary>
    public ulong M1;

    /// <summary>Tiered engine: times the run loop or a chain arrived here (the block execution counter).</summary>
    public int Heat;

    /// <summary>Tiered engine: handle of the compiled block starting here (0 none yet, −1 not compilable).</summary>
    public int Compiled;

    /// <summary>Iced's decoding (IP-dependent fields match the linear page it was decoded at).</summary>
    public Instruction I;

    /// <inheritdoc/>
    public readonly bool IsStopPoint => Breakpoint;

    /// <inheritdoc/>
    int ICompiledEntry.CompiledHandle
    {
        readonly get => Compiled;
        set => Compiled = value;
    }

    /// <inheritdoc/>
    public void ForgetCompiled()
    {
        Compiled = 0;
        Heat = 0;
    }
}
