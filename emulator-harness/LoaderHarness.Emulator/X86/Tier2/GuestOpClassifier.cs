using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// Which decoded instructions the translator covers, in which operand forms: general registers, plain
/// memory operands (string forms only without REP) and immediates, near direct branches and near indirect calls.
/// In flat 32-bit code FS and GS accesses are left to the interpreter (their bases and limits are not flat).
/// </summary>
internal static class GuestOpClassifier
{
    private static readonly Dictionary<Mnemonic, GuestOp> Simple = new()
    {
        [Mnemonic.Nop] = GuestOp.Nop,

        // What the interpreter runs as a NOP too (DispatchTable): hints and fences, which never fault (SDM Vol. 2B PREFETCHh:
        // "does not ... cause any exceptions"); a block that ended at each had left the rest of its loop to the interpreter.
        [Mnemonic.Prefetchnta] = GuestOp.Nop, [Mnemonic.Prefetcht0] = GuestOp.Nop, [Mnemonic.Prefetcht1] = GuestOp.Nop,
        [Mnemonic.Prefetcht2] = GuestOp.Nop, [Mnemonic.Prefetchw] = GuestOp.Nop, [Mnemonic.Lfence] = GuestOp.Nop,
        [Mnemonic.Mfence] = GuestOp.Nop, [Mnemonic.Sfence] = GuestOp.Nop, [Mnemonic.Endbr64] = GuestOp.Nop,
        [Mnemonic.Pause] = GuestOp.Nop, // the spin-wait hint: delay_tsc's loop, a stop at a refused block on each of 4,200 calls
        [Mnemonic.Endbr32] = GuestOp.Nop, [Mnemonic.Serialize] = GuestOp.Nop,
        [Mnemonic.Cbw] = GuestOp.ConvertAccumulator, [Mnemonic.Cwde] = GuestOp.ConvertAccumulator,
        [Mnemonic.Cdqe] = GuestOp.ConvertAccumulator, [Mnemonic.Cwd] = GuestOp.ConvertAccumulator,
        [Mnemonic.Cdq] = GuestOp.ConvertAccumulator, [Mnemonic.Cqo] = GuestOp.ConvertAccumulator,
        [Mnemonic.Bswap] = GuestOp.Bswap,
        [Mnemonic.Mov] = GuestOp.Mov,
        [Mnemonic.Movzx] = GuestOp.Movzx,
        [Mnemonic.Movsx] = GuestOp.Movsx,
        [Mnemonic.Movsxd] = GuestOp.Movsx,
        [Mnemonic.Lea] = GuestOp.Lea,
        [Mnemonic.Add] = GuestOp.Add,
        [Mnemonic.Adc] = GuestOp.Adc,
        [Mnemonic.Sub] = GuestOp.Sub,
        [Mnemonic.Sbb] = GuestOp.Sbb,
        [Mnemonic.And] = GuestOp.And,
        [Mnemonic.Or] = GuestOp.Or,
        [Mnemonic.Xor] = GuestOp.Xor,
        [Mnemonic.Cmp] = GuestOp.Cmp,
        [Mnemonic.Test] = GuestOp.Test,
        [Mnemonic.Inc] = GuestOp.Inc,
        [Mnemonic.Dec] = GuestOp.Dec,
        [Mnemonic.Neg] = GuestOp.Neg,
        [Mnemonic.Not] = GuestOp.Not,
        [Mnemonic.Shl] = GuestOp.Shl,
        [Mnemonic.Sal] = GuestOp.Shl,
        [Mnemonic.Shr] = GuestOp.Shr,
        [Mnemonic.Sar] = GuestOp.Sar,
        [Mnemonic.Rol] = GuestOp.Rol,
        [Mnemonic.Ror] = GuestOp.Ror,
        [Mnemonic.Imul] = GuestOp.Imul,
        [Mnemonic.Div] = GuestOp.Div,
        [Mnemonic.Mul] = GuestOp.MulWide,
        [Mnemonic.Cmpxchg] = GuestOp.Cmpxchg,
        [Mnemonic.Xadd] = GuestOp.Xadd,
        [Mnemonic.Cmpxchg8b] = GuestOp.CmpxchgDouble, [Mnemonic.Cmpxchg16b] = GuestOp.CmpxchgDouble,
        [Mnemonic.Bt] = GuestOp.BitTest, [Mnemonic.Bts] = GuestOp.BitTest, [Mnemonic.Btr] = GuestOp.BitTest,
        [Mnemonic.Btc] = GuestOp.BitTest,
        [Mnemonic.Pushf] = GuestOp.Pushf, [Mnemonic.Pushfd] = GuestOp.Pushf, [Mnemonic.Pushfq] = GuestOp.Pushf,
        [Mnemonic.Stosb] = GuestOp.Stos, [Mnemonic.Stosw] = GuestOp.Stos, [Mnemonic.Stosd] = GuestOp.Stos,
        [Mnemonic.Stosq] = GuestOp.Stos,
        [Mnemonic.Movsb] = GuestOp.Movs, [Mnemonic.Movsw] = GuestOp.Movs, [Mnemonic.Movsd] = GuestOp.Movs,
        [Mnemonic.Movsq] = GuestOp.Movs,
        [Mnemonic.Push] = GuestOp.Push,
        [Mnemonic.Pop] = GuestOp.Pop,
        [Mnemonic.Jmp] = GuestOp.Jmp,
        [Mnemonic.Call] = GuestOp.Call,
        [Mnemonic.Ret] = GuestOp.Ret,
        [Mnemonic.Seto] = GuestOp.Setcc, [Mnemonic.Setno] = GuestOp.Setcc, [Mnemonic.Setb] = GuestOp.Setcc,
        [Mnemonic.Setae] = GuestOp.Setcc, [Mnemonic.Sete] = GuestOp.Setcc, [Mnemonic.Setne] = GuestOp.Setcc,
        [Mnemonic.Setbe] = GuestOp.Setcc, [Mnemonic.Seta] = GuestOp.Setcc, [Mnemonic.Sets] = GuestOp.Setcc,
        [Mnemonic.Setns] = GuestOp.Setcc, [Mnemonic.Setp] = GuestOp.Setcc, [Mnemonic.Setnp] = GuestOp.Setcc,
        [Mnemonic.Setl] = GuestOp.Setcc, [Mnemonic.Setge] = GuestOp.Setcc, [Mnemonic.Setle] = GuestOp.Setcc,
        [Mnemonic.Setg] = GuestOp.Setcc,
        [Mnemonic.Cmovo] = GuestOp.Cmovcc, [Mnemonic.Cmovno] = GuestOp.Cmovcc, [Mnemonic.Cmovb] = GuestOp.Cmovcc,
        [Mnemonic.Cmovae] = GuestOp.Cmovcc, [Mnemonic.Cmove] = GuestOp.Cmovcc, [Mnemonic.Cmovne] = GuestOp.Cmovcc,
        [Mnemonic.Cmovbe] = GuestOp.Cmovcc, [Mnemonic.Cmova] = GuestOp.Cmovcc, [Mnemonic.Cmovs] = GuestOp.Cmovcc,
        [Mnemonic.Cmovns] = GuestOp.Cmovcc, [Mnemonic.Cmovp] = GuestOp.Cmovcc, [Mnemonic.Cmovnp] = GuestOp.Cmovcc,
        [Mnemonic.Cmovl] = GuestOp.Cmovcc, [Mnemonic.Cmovge] = GuestOp.Cmovcc, [Mnemonic.Cmovle] = GuestOp.Cmovcc,
        [Mnemonic.Cmovg] = GuestOp.Cmovcc,
    };

    /// <summary>The operation of <paramref name="d"/> at <paramref name="rip"/>, or <see cref="GuestOp.None"/> when it is left to the interpreter.</summary>
    public static GuestOp Classify(in DecodedInstruction d, ulong rip, bool mode64)
    {
        ref readonly var i = ref d.I;
        if (i.IsJccShortOrNear)
            return GuestOp.Jcc;
        if (!Simple.TryGetValue(i.Mnemonic, out var op))
            return GuestOp.None;
        if (i.HasRepPrefix || i.HasRepnePrefix)
            return op == GuestOp.Ret ? GuestOp.Ret : GuestOp.None;
        if (op == GuestOp.CmpxchgDouble) // a 16-byte memory operand, which no other covered form has
            return i.Op0Kind == OpKind.Memory && (mode64 || d.Seg < (byte)SegmentRegister.Fs) ? op : GuestOp.None;
        if (op is GuestOp.Stos or GuestOp.Movs)
        {
            // The string forms' operands are RDI in ES (and RSI in the source segment, which the interpreter takes from
            // DS); SSE's MOVSD shares the mnemonic. A 16-bit address merges into SI and DI: left to the interpreter.
            return i.Op0Kind is OpKind.MemoryESDI or OpKind.MemoryESEDI or OpKind.MemoryESRDI && d.AddrSize != 2
                   && d.MemSize is 1 or 2 or 4 or 8 && (mode64 || d.Seg < (byte)SegmentRegister.Fs)
                ? op
                : GuestOp.None;
        }
        for (var n = 0; n < i.OpCount; n++)
        {
            switch (i.GetOpKind(n))
            {
                case OpKind.Register:
                    if (X86Cpu.RegisterSize(i.GetOpRegister(n)) == 0)
                        return GuestOp.None;
                    break;
                case OpKind.Memory:
                    if (d.MemSize is not (1 or 2 or 4 or 8) && op != GuestOp.Lea && op != GuestOp.Nop)
                        return GuestOp.None;
                    if (!mode64 && d.Seg >= (byte)SegmentRegister.Fs && op != GuestOp.Lea && op != GuestOp.Nop)
                        return GuestOp.None;
                    break;
                case OpKind.NearBranch16:
                case OpKind.NearBranch32:
                case OpKind.NearBranch64:
                    break;
                case >= OpKind.Immediate8 and <= OpKind.Immediate32to64:
                    break;
                default:
                    return GuestOp.None;
            }
        }
        return op switch
        {
            GuestOp.Call when i.Op0Kind is OpKind.Register or OpKind.Memory && !i.IsCallFarIndirect => GuestOp.CallIndirect,
            GuestOp.Jmp or GuestOp.Call when i.Op0Kind is not (OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64) => GuestOp.None,
            GuestOp.Jmp when i.NearBranchTarget == rip => GuestOp.None, // jmp . ends the run (SelfLoop): the interpreter reports it
            GuestOp.Ret when i.Code is not (Code.Retnq or Code.Retnd or Code.Retnw or Code.Retnq_imm16 or Code.Retnd_imm16 or Code.Retnw_imm16) => GuestOp.None,
            GuestOp.Push or GuestOp.Pop when i.Op0Kind == OpKind.Memory => GuestOp.None,
            GuestOp.Shl or GuestOp.Shr or GuestOp.Sar when i.OpCount == 2 && i.Op1Kind == OpKind.Register => op switch
            {
                GuestOp.Shl => GuestOp.ShlCl,
                GuestOp.Shr => GuestOp.ShrCl,
                _ => GuestOp.SarCl,
            },
            GuestOp.Rol or GuestOp.Ror when i.OpCount == 2 && i.Op1Kind == OpKind.Register => GuestOp.None,
            GuestOp.Imul when i.OpCount == 1 => d.OpSize is 4 or 8 ? GuestOp.MulWide : GuestOp.None,
            GuestOp.Div or GuestOp.MulWide or GuestOp.Bswap when d.OpSize is not (4 or 8) => GuestOp.None,
            GuestOp.Mov when i.Op0Kind == OpKind.Memory && i.OpCount == 2 && i.Op1Kind == OpKind.Memory => GuestOp.None,
            _ => op,
        };
    }

    /// <summary>Whether the operation ends a basic block (control leaves or may leave the fall-through path).</summary>
    public static bool EndsBlock(GuestOp op) => op is GuestOp.Jcc or GuestOp.Jmp or GuestOp.Call or GuestOp.CallIndirect or GuestOp.Ret;

    /// <summary>Whether the operation reads the arithmetic flags (a shift by CL keeps them when its count is 0).</summary>
    public static bool ReadsFlags(GuestOp op) => op is GuestOp.Adc or GuestOp.Sbb or GuestOp.Inc or GuestOp.Dec
        or GuestOp.Jcc or GuestOp.Setcc or GuestOp.Cmovcc or GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl or GuestOp.Pushf;

    /// <summary>Whether the operation replaces all six arithmetic flags without reading them.</summary>
    public static bool WritesAllFlags(GuestOp op) => op is GuestOp.Add or GuestOp.Sub or GuestOp.Cmp or GuestOp.And
        or GuestOp.Or or GuestOp.Xor or GuestOp.Test or GuestOp.Neg or GuestOp.Imul or GuestOp.MulWide or GuestOp.Shl or GuestOp.Shr
        or GuestOp.Sar or GuestOp.Cmpxchg or GuestOp.Xadd or GuestOp.DoubleShift;
}
