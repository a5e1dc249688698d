namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>The operations the translator covers; anything else ends a compiled block and is left to the interpreter.</summary>
internal enum GuestOp : byte
{
    /// <summary>Not covered.</summary>
    None,
    Nop,
    Mov,
    Movzx,
    Movsx,
    Lea,
    Add,
    Adc,
    Sub,
    Sbb,
    And,
    Or,
    Xor,
    Cmp,
    Test,
    Inc,
    Dec,
    Neg,
    Not,
    Shl,
    Shr,
    Sar,

    /// <summary>SHL/SAL by CL: a masked count of 0 changes nothing, flags included, so the flags it finds may pass through.</summary>
    ShlCl,

    /// <summary>SHR by CL.</summary>
    ShrCl,

    /// <summary>SAR by CL.</summary>
    SarCl,

    /// <summary>ROL by an immediate count (by CL is left to the interpreter).</summary>
    Rol,

    /// <summary>ROR by an immediate count.</summary>
    Ror,
    Imul,

    /// <summary>CBW, CWDE, CDQE (the accumulator sign-extended in place) and CWD, CDQ, CQO (its sign into RDX).</summary>
    ConvertAccumulator,

    /// <summary>BSWAP of a 32- or 64-bit register (the 16-bit form is undefined and left to the interpreter).</summary>
    Bswap,

    /// <summary>DIV r/m32 and r/m64 (the 8- and 16-bit forms are left to the interpreter).</summary>
    Div,

    /// <summary>One-operand MUL and IMUL r/m32 and r/m64: RDX:RAX (EDX:EAX) = the accumulator × the operand (the 8- and 16-bit forms are left to the interpreter).</summary>
    MulWide,

    /// <summary>CMPXCHG r/m, r (any size; a LOCK prefix changes nothing on one vCPU): flags as CMP of the accumulator with the destination.</summary>
    Cmpxchg,

    /// <summary>XADD r/m, r: flags as ADD.</summary>
    Xadd,

    /// <summary>CMPXCHG8B and CMPXCHG16B: ZF whether EDX:EAX (RDX:RAX) matched, the other flags kept.</summary>
    CmpxchgDouble,

    /// <summary>BT, BTS, BTR, BTC with a register or immediate bit offset: CF the bit, the other flags kept.</summary>
    BitTest,

    /// <summary>PUSHF, PUSHFD, PUSHFQ: RFLAGS with its arithmetic flags evaluated.</summary>
    Pushf,

    /// <summary>STOSB/W/D/Q without a REP prefix.</summary>
    Stos,

    /// <summary>MOVSB/W/D/Q without a REP prefix.</summary>
    Movs,

    /// <summary>REP STOSB/W/D/Q with 64-bit addresses: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    RepStos,

    /// <summary>REP MOVSB/W/D/Q with 64-bit addresses: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    RepMovs,

    /// <summary>CLI: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    Cli,

    /// <summary>STI: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    Sti,

    /// <summary>RDTSC and RDTSCP: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    Rdtsc,

    /// <summary>LEAVE: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    Leave,

    /// <summary>SHLD and SHRD r/m32 or r/m64, r, imm8 with a nonzero count: found for host code only (<see cref="GuestBlock.Operation"/>).</summary>
    DoubleShift,
    Push,
    Pop,
    Setcc,
    Cmovcc,
    Jcc,
    Jmp,
    Call,

    /// <summary>CALL r/m (near, indirect): pushes the return address and leaves the block for the target read at run time.</summary>
    CallIndirect,
    Ret,
}
