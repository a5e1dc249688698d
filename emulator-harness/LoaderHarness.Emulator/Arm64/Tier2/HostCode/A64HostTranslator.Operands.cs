using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>Guest registers (cached or in the array), NZCV in the host's flags, conditions and the second operand's shifts and extends.</summary>
internal sealed partial class A64HostTranslator
{
    /// <summary>Host registers that hold a guest register for the whole block: none of them is scratch in the emission.</summary>
    private static readonly Register[] CacheRegisters = [Register.R15, Register.R13, Register.RBP, Register.R10, Register.R11];

    /// <summary>The host register caching each register-array slot (X0–X30, the zero and discard slots never, SP), or <see cref="Register.None"/>.</summary>
    private readonly Register[] _cache = new Register[Arm64Cpu.Sp + 1];

    /// <summary>Caches the registers the block's instructions name most often, the lower slot first among equals.</summary>
    private void ChooseCachedRegisters()
    {
        Span<int> uses = stackalloc int[Arm64Cpu.Sp + 1];
        foreach (var n in _nodes)
        {
            uses[n.D.Rd]++;
            uses[n.D.Rn]++;
            uses[n.D.Rm]++;
            uses[n.D.Ra]++;
        }
        uses[Arm64Cpu.Zr] = 0;
        uses[Arm64Cpu.Discard] = 0;
        for (var i = 0; i < CacheRegisters.Length; i++)
        {
            var best = -1;
            for (var slot = 0; slot < uses.Length; slot++)
            {
                if (uses[slot] > 1 && _cache[slot] == Register.None && (best < 0 || uses[slot] > uses[best]))
                    best = slot;
            }
            if (best < 0)
                break;
            _cache[best] = CacheRegisters[i];
        }
    }

    /// <summary><paramref name="to"/> = register-array slot <paramref name="slot"/> (no flag changes).</summary>
    private void Load(AssemblerRegister64 to, int slot)
    {
        if (_cache[slot] != Register.None)
            _a.mov(to, new AssemblerRegister64(_cache[slot]));
        else
            _a.mov(to, __qword_ptr[rbx + slot * 8]);
    }

    /// <summary>Slot <paramref name="slot"/> = <paramref name="from"/>, all 64 bits (a 32-bit result was zero-extended by the host's 32-bit operation).</summary>
    private void Store(int slot, AssemblerRegister64 from)
    {
        if (_cache[slot] != Register.None)
            _a.mov(new AssemblerRegister64(_cache[slot]), from);
        else
            _a.mov(__qword_ptr[rbx + slot * 8], from);
    }

    /// <summary>Slot <paramref name="slot"/> = the constant <paramref name="value"/>.</summary>
    private void StoreConstant(int slot, ulong value)
    {
        MovConstant(rax, value);
        Store(slot, rax);
    }

    /// <summary><paramref name="to"/> = <paramref name="value"/>, in the shortest form (no flag changes).</summary>
    private void MovConstant(AssemblerRegister64 to, ulong value)
    {
        if (value <= uint.MaxValue)
            _a.mov(new AssemblerRegister32(to.Value - 16), (uint)value); // zero-extends
        else
            _a.mov(to, (long)value);
    }

    /// <summary>The 32-bit form of a 64-bit host register.</summary>
    private static AssemblerRegister32 R32(AssemblerRegister64 r) => new(r.Value - 16);

    /// <summary>The low byte of a 64-bit host register (Iced numbers AL–BL apart from SPL–R15L, which follow AH–BH).</summary>
    private static AssemblerRegister8 Low8(AssemblerRegister64 r)
        => new(r.Value <= Register.RBX ? Register.AL + (r.Value - Register.RAX) : r.Value - 48);

    /// <summary>Where the guest's NZCV is (as SF, ZF, CF and OF).</summary>
    private readonly HostFlags _flags;

    private void Produced() => _flags.Produced();

    private void FlagsDead() => _flags.Dead();

    private void SaveFlags() => _flags.Save();

    private void NeedHostFlags() => _flags.Load();

    /// <summary>Host code that changes RFLAGS but not the guest's NZCV is next: newer flags are saved first.</summary>
    private void Clobber()
    {
        SaveFlags();
        _flags.InHost = false;
    }

    /// <summary>
    /// The host condition code that holds exactly when A64 condition <paramref name="cond"/> holds (ConditionHolds, Arm
    /// ARM J1.2.4), with NZCV in RFLAGS; null for AL and NV, which always hold. HI (C and not Z) and LS have no host code
    /// of their own with CF = C: CMC makes CF = NOT C, so they become A and BE, and RFLAGS no longer hold the guest's
    /// flags (saved first). Uses RAX.
    /// </summary>
    private ConditionCode? HostCondition(int cond)
    {
        if (cond >= 14)
            return null;
        NeedHostFlags();
        if (cond is 8 or 9)
        {
            SaveFlags();
            _a.cmc();
            _flags.InHost = false;
            return cond == 8 ? ConditionCode.a : ConditionCode.be;
        }
        return cond switch
        {
            0 => ConditionCode.e,
            1 => ConditionCode.ne,
            2 => ConditionCode.b,
            3 => ConditionCode.ae,
            4 => ConditionCode.s,
            5 => ConditionCode.ns,
            6 => ConditionCode.o,
            7 => ConditionCode.no,
            10 => ConditionCode.ge,
            11 => ConditionCode.l,
            12 => ConditionCode.g,
            _ => ConditionCode.le,
        };
    }

    /// <summary>The condition code that holds exactly when <paramref name="cc"/> does not (the codes come in pairs, o/no, b/ae, ...).</summary>
    private static ConditionCode Negated(ConditionCode cc) => (int)cc % 2 == 1 ? cc + 1 : cc - 1;

    /// <summary>
    /// RCX = Rm shifted by LSL, LSR, ASR or ROR (<paramref name="type"/> 0–3) by <paramref name="amount"/>, at the operation's
    /// width (<see cref="Arithmetic.Shift"/>); changes RFLAGS when <paramref name="amount"/> is not 0.
    /// </summary>
    private void ShiftedOperand(int rm, int type, int amount, bool is64)
    {
        Load(rcx, rm);
        if (amount == 0)
            return;
        var by = (byte)amount;
        if (is64)
        {
            switch (type)
            {
                case 0: _a.shl(rcx, by); break;
                case 1: _a.shr(rcx, by); break;
                case 2: _a.sar(rcx, by); break;
                default: _a.ror(rcx, by); break;
            }
        }
        else
        {
            switch (type)
            {
                case 0: _a.shl(ecx, by); break;
                case 1: _a.shr(ecx, by); break;
                case 2: _a.sar(ecx, by); break;
                default: _a.ror(ecx, by); break;
            }
        }
    }

    /// <summary>
    /// <paramref name="to"/> = Rm extended by UXTB … SXTX (<paramref name="option"/> 0–7) and shifted left by
    /// <paramref name="shift"/> (<see cref="Arithmetic.Extend"/>); changes RFLAGS when <paramref name="shift"/> is not 0.
    /// </summary>
    private void ExtendedOperand(AssemblerRegister64 to, int rm, int option, int shift)
    {
        Load(to, rm);
        var to32 = R32(to);
        switch (option)
        {
            case 0: _a.movzx(to32, Low8(to)); break;
            case 1: _a.movzx(to32, new AssemblerRegister16(to.Value - 32)); break;
            case 2: _a.mov(to32, to32); break;
            case 4: _a.movsx(to, Low8(to)); break;
            case 5: _a.movsx(to, new AssemblerRegister16(to.Value - 32)); break;
            case 6: _a.movsxd(to, to32); break;
        }
        if (shift != 0)
            _a.shl(to, (byte)shift);
    }
}
