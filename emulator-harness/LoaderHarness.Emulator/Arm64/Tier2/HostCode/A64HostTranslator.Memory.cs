using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>
/// Loads and stores in the interpreter's order of effects (<see cref="LoadStore"/>): the address in RDI, the access (a
/// pair's two in one probe of both), then base write-back, then the loaded registers. A miss leaves before the
/// instruction, nothing of it done, and the interpreter runs it.
/// </summary>
internal sealed partial class A64HostTranslator
{
    private void EmitMemory(in A64Node n)
    {
        ref readonly var d = ref n.D;
        Clobber(); // the probe changes RFLAGS, and a miss leaves with the flags saved
        switch (n.Op)
        {
            case A64Op.LoadPost or A64Op.StorePost or A64Op.LoadPairPost or A64Op.StorePairPost:
                Load(rdi, d.Rn);
                break;
            case A64Op.LoadRegister or A64Op.StoreRegister:
                Load(rdi, d.Rn);
                ExtendedOperand(rdx, d.Rm, d.Ra, (int)d.Imm2);
                _a.add(rdi, rdx);
                break;
            case A64Op.LoadLiteral:
                MovConstant(rdi, n.Pc + d.Imm);
                break;
            default:
                Load(rdi, d.Rn);
                if (d.Imm != 0)
                    _a.lea(rdi, __[rdi + (int)(long)d.Imm]); // offsets are at most 15 bits and signed
                break;
        }
        var size = (int)d.Size;
        var pair = n.Op is >= A64Op.LoadPair and <= A64Op.StorePairPost;
        var store = n.Op is A64Op.StoreOffset or A64Op.StorePre or A64Op.StorePost or A64Op.StoreRegister
            or A64Op.StorePair or A64Op.StorePairPre or A64Op.StorePairPost;
        HostTlb.Probe(_exits, store, pair ? 2 * size : size, rsi, ExitLabel(n.Pc, Behind(in n)));
        if (store)
        {
            Load(r8, d.Rd);
            StoreValue(size, 0, r8);
            if (pair)
            {
                Load(r8, d.Ra);
                StoreValue(size, size, r8);
            }
            WriteBack(in n);
            return;
        }
        LoadValue(in d, 0, r8);
        if (pair)
            LoadValue(in d, size, r9);
        WriteBack(in n);
        Store(d.Rd, r8);
        if (pair)
            Store(d.Ra, r9);
    }

    /// <summary>Pre-index writes the address back, post-index the address plus the offset; other forms leave the base.</summary>
    private void WriteBack(in A64Node n)
    {
        switch (n.Op)
        {
            case A64Op.LoadPre or A64Op.StorePre or A64Op.LoadPairPre or A64Op.StorePairPre:
                Store(n.D.Rn, rdi);
                break;
            case A64Op.LoadPost or A64Op.StorePost or A64Op.LoadPairPost or A64Op.StorePairPost:
                _a.lea(rdi, __[rdi + (int)(long)n.D.Imm]);
                Store(n.D.Rn, rdi);
                break;
        }
    }

    /// <summary><paramref name="to"/> = the <c>Size</c> bytes at RSI + <paramref name="offset"/>, sign-extended to 32 or 64 bits as the load says.</summary>
    private void LoadValue(in A64Instruction d, int offset, AssemblerRegister64 to)
    {
        var signed = (d.Op & A64Decoder.LoadSigned) != 0;
        var to64 = (d.Op & A64Decoder.LoadSigned64) != 0;
        switch (d.Size)
        {
            case 1 when signed && to64: _a.movsx(to, __byte_ptr[rsi + offset]); break;
            case 1 when signed: _a.movsx(R32(to), __byte_ptr[rsi + offset]); break;
            case 1: _a.movzx(R32(to), __byte_ptr[rsi + offset]); break;
            case 2 when signed && to64: _a.movsx(to, __word_ptr[rsi + offset]); break;
            case 2 when signed: _a.movsx(R32(to), __word_ptr[rsi + offset]); break;
            case 2: _a.movzx(R32(to), __word_ptr[rsi + offset]); break;
            case 4 when signed && to64: _a.movsxd(to, __dword_ptr[rsi + offset]); break;
            case 4: _a.mov(R32(to), __dword_ptr[rsi + offset]); break;
            default: _a.mov(to, __qword_ptr[rsi + offset]); break;
        }
    }

    /// <summary>The low <paramref name="size"/> bytes of <paramref name="from"/> to RSI + <paramref name="offset"/>.</summary>
    private void StoreValue(int size, int offset, AssemblerRegister64 from)
    {
        switch (size)
        {
            case 1: _a.mov(__byte_ptr[rsi + offset], new AssemblerRegister8(from.Value - 48)); break;
            case 2: _a.mov(__word_ptr[rsi + offset], new AssemblerRegister16(from.Value - 32)); break;
            case 4: _a.mov(__dword_ptr[rsi + offset], R32(from)); break;
            default: _a.mov(__qword_ptr[rsi + offset], from); break;
        }
    }
}
