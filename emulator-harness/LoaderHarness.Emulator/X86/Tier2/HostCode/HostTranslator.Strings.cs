using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// REP STOS and REP MOVS with 64-bit addresses (the kernel's <c>memset</c> and <c>memcpy</c>, and the stack structures its
/// compiler zeroes with REP STOSQ: 260,000 entries refused for them on the PVH boot to /init), as the host's own string
/// instruction when every element lies in one page of each operand; otherwise the interpreter runs them
/// (<c>Strings.Stos</c>, <c>Strings.Movs</c>), element by element where it must.
/// </summary>
internal sealed partial class HostTranslator
{
    private const int Rcx = 1, Rsi = 6, Rdi = 7;

    /// <summary>
    /// RCX = 0 does nothing. With DF clear (DF set leaves: the interpreter steps down), a count whose elements fit in the
    /// rest of RDI's page (and of RSI's for MOVS), and a budget covering every element, one host REP STOS or MOVS writes
    /// them all: RDI (and RSI) step past them, RCX ends 0, and each element counts as one instruction, as the interpreter
    /// counts them (<c>X86Cpu.RetireRepeats</c>; the basic block counted the first). A STOS of zeros over a whole page is left
    /// to the interpreter, which skips pages nothing ever wrote rather than fault them in (<c>Strings.ZeroProbe</c>).
    /// </summary>
    private void EmitRepString(in GuestNode n)
    {
        var size = (int)n.D.MemSize;
        var shift = System.Numerics.BitOperations.Log2((uint)size);
        var movs = n.Op == GuestOp.RepMovs;
        var leave = ExitLabel(n.Rip, Behind(in n));
        var done = _a.CreateLabel();
        SaveFlags();
        _flags.InHost = false;
        LoadGpr(Rcx, r8);
        _a.test(r8, r8);
        _a.jz(done);
        _a.test(__byte_ptr[r12 + HostState.FlagsRest * 8 + 1], (int)(FlagBits.DF >> 8));
        _a.jnz(leave);
        _a.cmp(r8, 4096 >> shift);
        _a.ja(leave);
        _a.lea(rax, __[r14 + r8 - 1]);
        _a.cmp(rax, __qword_ptr[r12 + HostState.Limit * 8]);
        _a.ja(leave);
        if (movs)
        {
            LoadGpr(Rsi, rdi);
            InPage(leave, shift);
            Probe(false, size, rsi, leave);
        }
        else
            LoadGpr(Rax, r9);
        LoadGpr(Rdi, rdi);
        InPage(leave, shift);
        if (!movs)
        {
            var notZeroPage = _a.CreateLabel();
            _a.cmp(r8, 4096 >> shift);
            _a.jne(notZeroPage);
            switch (size)
            {
                case 1: _a.test(r9b, r9b); break;
                case 2: _a.test(r9w, r9w); break;
                case 4: _a.test(r9d, r9d); break;
                default: _a.test(r9, r9); break;
            }
            _a.jz(leave);
            _a.Label(ref notZeroPage);
        }
        Probe(true, size, rdx, leave);
        _a.mov(rdi, rdx);
        _a.mov(rcx, r8);
        if (!movs)
            _a.mov(rax, r9);
        var rep = _a.rep;
        switch ((movs, size))
        {
            case (true, 1): rep.movsb(); break;
            case (true, 2): rep.movsw(); break;
            case (true, 4): rep.movsd(); break;
            case (true, _): rep.movsq(); break;
            case (false, 1): rep.stosb(); break;
            case (false, 2): rep.stosw(); break;
            case (false, 4): rep.stosd(); break;
            default: rep.stosq(); break;
        }
        _a.mov(rax, r8);
        _a.shl(rax, (byte)shift);
        Advance(Rdi);
        if (movs)
            Advance(Rsi);
        _a.xor(ecx, ecx);
        StoreGpr(Rcx, rcx);
        _a.lea(r14, __[r14 + r8 - 1]);
        _a.Label(ref done);
        _a.zero_bytes(); // Iced takes one label per instruction: the next node may start a basic block with its own

        void Advance(int slot)
        {
            LoadGpr(slot, rcx);
            _a.add(rcx, rax);
            StoreGpr(slot, rcx);
        }
    }

    /// <summary>Leaves unless the R8 elements of 2^<paramref name="shift"/> bytes from RDI end within RDI's page.</summary>
    private void InPage(Label leave, int shift)
    {
        _a.mov(eax, edi);
        _a.and(eax, 0xFFF);
        _a.lea(rax, __[rax + r8 * (1 << shift)]);
        _a.cmp(rax, 4096);
        _a.ja(leave);
    }
}
