using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>Bitfield moves, EXTR, variable shifts, byte reversal, CLZ, multiplies and divides (RFLAGS already clobbered).</summary>
internal sealed partial class A64HostTranslator
{
    private void EmitBits(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var is64 = d.Is64;
        switch (n.Op)
        {
            case A64Op.Ubfm or A64Op.Sbfm or A64Op.Bfm:
                EmitBitfield(in n);
                break;
            case A64Op.Extr:
                // Bits [lsb + width - 1 : lsb] of Rn:Rm: SHRD shifts Rm right, taking in Rn's low bits.
                Load(rax, d.Rm);
                if (d.Size != 0)
                {
                    Load(rcx, d.Rn);
                    if (is64)
                        _a.shrd(rax, rcx, (byte)d.Size);
                    else
                        _a.shrd(eax, ecx, (byte)d.Size);
                }
                break;
            case A64Op.ShiftV:
                // The host's shifts take the count modulo 64 (32 for 32-bit operands), as LSLV … RORV do.
                Load(rax, d.Rn);
                Load(rcx, d.Rm);
                switch (d.Op, is64)
                {
                    case (0, true): _a.shl(rax, cl); break;
                    case (1, true): _a.shr(rax, cl); break;
                    case (2, true): _a.sar(rax, cl); break;
                    case (_, true): _a.ror(rax, cl); break;
                    case (0, false): _a.shl(eax, cl); break;
                    case (1, false): _a.shr(eax, cl); break;
                    case (2, false): _a.sar(eax, cl); break;
                    default: _a.ror(eax, cl); break;
                }
                break;
            case A64Op.Rev:
                Load(rax, d.Rn);
                if (is64)
                    _a.bswap(rax);
                else
                    _a.bswap(eax);
                break;
            case A64Op.Rev32:
                Load(rax, d.Rn);
                _a.bswap(rax); // both words reversed and swapped …
                _a.ror(rax, 32); // … and swapped back
                break;
            case A64Op.Rev16:
                Load(rax, d.Rn);
                _a.mov(rcx, rax);
                _a.shr(rcx, 8);
                _a.mov(rdx, 0x00FF_00FF_00FF_00FFL);
                _a.and(rcx, rdx);
                _a.and(rax, rdx);
                _a.shl(rax, 8);
                _a.or(rax, rcx);
                break;
            case A64Op.Clz:
                // BSR gives the top set bit's index (ZF and an undefined result for 0, which becomes -1 here): CLZ = top - index.
                Load(rcx, d.Rn);
                _a.mov(eax, -1);
                if (is64)
                    _a.bsr(rcx, rcx);
                else
                    _a.bsr(ecx, ecx);
                _a.cmovz(ecx, eax);
                _a.mov(eax, is64 ? 63 : 31);
                _a.sub(eax, ecx);
                break;
            case A64Op.Madd or A64Op.Smaddl or A64Op.Umaddl:
                Load(rax, d.Rn);
                Load(rcx, d.Rm);
                if (n.Op == A64Op.Smaddl)
                {
                    _a.movsxd(rax, eax);
                    _a.movsxd(rcx, ecx);
                }
                else if (n.Op == A64Op.Umaddl)
                {
                    _a.mov(eax, eax);
                    _a.mov(ecx, ecx);
                }
                _a.imul(rax, rcx); // the low 64 bits of the product, signed or not
                Load(rcx, d.Ra);
                if (d.Op != 0)
                {
                    _a.sub(rcx, rax);
                    _a.mov(rax, rcx);
                }
                else
                    _a.add(rax, rcx);
                if (n.Op != A64Op.Madd)
                    is64 = true;
                break;
            case A64Op.Smulh or A64Op.Umulh:
                Load(rax, d.Rn);
                Load(rcx, d.Rm);
                if (n.Op == A64Op.Smulh)
                    _a.imul(rcx);
                else
                    _a.mul(rcx);
                _a.mov(rax, rdx);
                is64 = true;
                break;
            default:
                EmitDivide(in n);
                break;
        }
        if (!is64)
            _a.mov(eax, eax);
        Store(d.Rd, rax);
    }

    /// <summary>
    /// SBFM, BFM, UBFM as the Arm ARM's pseudocode (C6.2): Rn rotated right by immr, masked by wmask and tmask, with
    /// SBFM's top bits copies of bit imms and BFM's kept from Rd.
    /// </summary>
    private void EmitBitfield(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var is64 = d.Is64;
        ulong wmask = d.Imm, tmask = d.Imm2;
        Load(rax, d.Rn);
        if (d.Size != 0)
        {
            if (is64)
                _a.ror(rax, (byte)d.Size);
            else
                _a.ror(eax, (byte)d.Size);
        }
        else if (!is64)
            _a.mov(eax, eax);
        if (n.Op == A64Op.Ubfm)
        {
            AndConstant(rax, wmask & tmask);
            return;
        }
        if (n.Op == A64Op.Sbfm)
        {
            // top = bit imms of Rn in every bit: shifted to bit 63, then arithmetically back.
            AndConstant(rax, wmask & tmask);
            Load(rcx, d.Rn);
            _a.shl(rcx, (byte)(63 - d.Op));
            _a.sar(rcx, 63);
            AndConstant(rcx, ~tmask);
            _a.or(rax, rcx);
            return;
        }
        // BFM: bot = (dst & ~wmask) | (rotated & wmask); result = (dst & ~tmask) | (bot & tmask).
        Load(rcx, d.Rd == Arm64Cpu.Discard ? Arm64Cpu.Zr : d.Rd);
        AndConstant(rax, wmask & tmask);
        _a.mov(rdx, rcx);
        AndConstant(rdx, ~wmask & tmask);
        _a.or(rax, rdx);
        AndConstant(rcx, ~tmask);
        _a.or(rax, rcx);
    }

    /// <summary><paramref name="r"/> &amp;= <paramref name="mask"/>, through an immediate where it fits (RDX otherwise, unless <paramref name="r"/> is RDX: then R8).</summary>
    private void AndConstant(Iced.Intel.AssemblerRegister64 r, ulong mask)
    {
        if (mask == ulong.MaxValue)
            return;
        if ((long)mask == (int)mask)
        {
            _a.and(r, (int)mask);
            return;
        }
        if (mask <= uint.MaxValue)
        {
            _a.mov(R32(r), R32(r)); // the high half cleared …
            if (mask != uint.MaxValue)
                _a.and(R32(r), (int)(uint)mask); // … and the low half masked
            return;
        }
        var t = r == rdx ? r8 : rdx;
        _a.mov(t, (long)mask);
        _a.and(r, t);
    }

    /// <summary>UDIV, SDIV: 0 for a zero divisor, and SDIV's MIN / -1 is MIN (0 - MIN), where the host's IDIV would fault.</summary>
    private void EmitDivide(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var is64 = d.Is64;
        var zero = _a.CreateLabel();
        var done = _a.CreateLabel();
        Load(rax, d.Rn);
        Load(rcx, d.Rm);
        if (is64)
            _a.test(rcx, rcx);
        else
            _a.test(ecx, ecx);
        _a.jz(zero);
        if (n.Op == A64Op.Udiv)
        {
            _a.xor(edx, edx);
            if (is64)
                _a.div(rcx);
            else
                _a.div(ecx);
        }
        else
        {
            var divide = _a.CreateLabel();
            if (is64)
                _a.cmp(rcx, -1);
            else
                _a.cmp(ecx, -1);
            _a.jne(divide);
            if (is64)
                _a.neg(rax);
            else
                _a.neg(eax);
            _a.jmp(done);
            _a.Label(ref divide);
            if (is64)
            {
                _a.cqo();
                _a.idiv(rcx);
            }
            else
            {
                _a.cdq();
                _a.idiv(ecx);
            }
        }
        _a.jmp(done);
        _a.Label(ref zero);
        _a.xor(eax, eax);
        _a.Label(ref done);
    }
}
