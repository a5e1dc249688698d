using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// The 64-bit stack forms (PUSH r64/imm, PUSHFQ, POP r64, LEAVE, CALL rel and r/m64, RET [imm16]) as the interpreter's handlers run them
/// (<c>OperandForms.PushR64</c>, <c>PopR64</c>, <c>CallNear64</c>, <c>RetNear64</c>): the slot's address from RSP, the
/// TLB probe (a miss leaves before the instruction, RSP untouched), the access, then RSP. SS adds no base in 64-bit mode.
/// </summary>
internal sealed partial class HostTranslator
{
    private const int Rsp = 4;

    /// <summary>Whether a stack form moves 8 bytes (a 0x66 prefix makes it 2, left to the interpreter).</summary>
    private static bool EightByteStack(in DecodedInstruction d) => d.OpAttr != 2; // DataMovement.StackOpSize in 64-bit mode

    /// <summary>RDI = RSP (or the register of slot <paramref name="from"/>) + <paramref name="delta"/>, RSI or RDX the host address of the 8-byte slot there.</summary>
    private void StackSlot(in GuestNode n, int delta, bool write, int from = Rsp)
    {
        SaveFlags();
        LoadGpr(from, rdi);
        if (delta != 0)
            _a.lea(rdi, __[rdi + delta]);
        Probe(write, 8, write ? rdx : rsi, ExitLabel(n.Rip, Behind(in n)));
        _flags.InHost = false;
    }

    /// <summary>PUSH r64 or imm: the value is read before RSP moves, so PUSH RSP stores the old RSP (SDM Vol. 2B PUSH).</summary>
    private void EmitPush(in GuestNode n)
    {
        Load(in n, 0, 8, R9);
        StackSlot(in n, -8, write: true);
        _a.mov(__qword_ptr[rdx], r9);
        StoreGpr(Rsp, rdi);
    }

    /// <summary>
    /// PUSHFQ: the guest's arithmetic flags (the host's own, through PUSHFQ once RFLAGS holds them) merged with the rest of
    /// RFLAGS from the state block, VM and RF read as 0 in the image pushed (SDM Vol. 2B PUSHF; <c>DataMovement.Pushf</c>).
    /// </summary>
    private void EmitPushf(in GuestNode n)
    {
        NeedHostFlags();
        SaveFlags(); // before the AND below clobbers them
        _a.pushfq();
        _a.pop(r9);
        _a.and(r9d, (int)FlagBits.Arithmetic);
        _a.or(r9, __qword_ptr[r12 + HostState.FlagsRest * 8]);
        _a.and(r9, ~(int)(FlagBits.VM | FlagBits.RF)); // sign-extended: every bit above them kept
        StackSlot(in n, -8, write: true);
        _a.mov(__qword_ptr[rdx], r9);
        StoreGpr(Rsp, rdi);
    }

    /// <summary>POP r64: RSP moves before the register is written, so POP RSP leaves the popped value (SDM Vol. 2B POP).</summary>
    private void EmitPop(in GuestNode n)
    {
        StackSlot(in n, 0, write: false);
        _a.mov(r9, __qword_ptr[rsi]);
        _a.lea(rdi, __[rdi + 8]);
        StoreGpr(Rsp, rdi);
        StoreOp0(in n, 8, R9);
    }

    /// <summary>
    /// LEAVE: RSP = RBP, then POP RBP (SDM Vol. 2A LEAVE; <c>ControlFlow.Leave</c>), the slot at RBP read before either
    /// register changes, so a miss leaves both as they were.
    /// </summary>
    private void EmitLeave(in GuestNode n)
    {
        const int Rbp = 5;
        StackSlot(in n, 0, write: false, from: Rbp);
        _a.mov(r9, __qword_ptr[rsi]);
        _a.lea(rdi, __[rdi + 8]);
        StoreGpr(Rsp, rdi);
        StoreGpr(Rbp, r9);
    }

    /// <summary>CALL rel: the return address pushed, then on to the target (inside the block, or an exit there).</summary>
    private void EmitCall(in GuestNode n)
    {
        StackSlot(in n, -8, write: true);
        HostExits.StoreQword(_a, __qword_ptr[rdx], n.D.NextIP);
        StoreGpr(Rsp, rdi);
        _a.jmp(InBlock(n.D.Target, out var k) ? _labels[k] : ChainExit(n.D.Target));
    }

    /// <summary>
    /// CALL r/m64: the target read first (CALL [RSP] reads the old top, SDM Vol. 2A CALL), the return address pushed,
    /// then on to the target through the jump cache, as a return leaves.
    /// </summary>
    private void EmitCallIndirect(in GuestNode n)
    {
        Access(in n, read: n.D.K0 == OperandKind.Memory, write: false);
        Load(in n, 0, 8, R9);
        StackSlot(in n, -8, write: true);
        HostExits.StoreQword(_a, __qword_ptr[rdx], n.D.NextIP);
        StoreGpr(Rsp, rdi);
        _a.mov(rax, r9);
        _a.jmp(_exits.Dynamic);
    }

    /// <summary>
    /// RET and RET imm16: the target popped; a return to one of the block's own call sites stays in the block (QEMU and
    /// the IL tier predict returns the same way), any other leaves with RIP = the target, through an exit that may chain.
    /// </summary>
    private void EmitRet(in GuestNode n)
    {
        StackSlot(in n, 0, write: false);
        _a.mov(rax, __qword_ptr[rsi]);
        _a.lea(rdi, __[rdi + 8 + (n.D.I.OpCount > 0 ? n.D.I.Immediate16 : 0)]);
        StoreGpr(Rsp, rdi);
        foreach (var site in _block.ReturnSites)
        {
            if (!InBlock(site, out var k))
                continue;
            if ((long)site == (int)site)
                _a.cmp(rax, (int)site); // sign-extended: a kernel's return addresses fit
            else
            {
                _a.mov(rcx, (long)site);
                _a.cmp(rax, rcx);
            }
            _a.je(_labels[k]);
        }
        _a.jmp(_exits.Dynamic);
    }

    /// <summary>Guest register <paramref name="slot"/>'s 64 bits into <paramref name="to"/>, from its host register or the array.</summary>
    private void LoadGpr(int slot, AssemblerRegister64 to)
    {
        if (_cache[slot] != Register.None)
            _a.mov(to, new AssemblerRegister64(_cache[slot]));
        else
            _a.mov(to, __qword_ptr[rbx + slot * 8]);
    }

    /// <summary>Writes all 64 bits of guest register <paramref name="slot"/>.</summary>
    private void StoreGpr(int slot, AssemblerRegister64 from)
    {
        if (_cache[slot] != Register.None)
            _a.mov(new AssemblerRegister64(_cache[slot]), from);
        else
            _a.mov(__qword_ptr[rbx + slot * 8], from);
    }
}
