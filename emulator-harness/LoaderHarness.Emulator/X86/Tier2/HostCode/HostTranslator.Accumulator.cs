using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>The instructions that work on RAX and RDX implicitly (one-operand MUL and IMUL, DIV, CBW–CQO, CMPXCHG, CMPXCHG16B, RDTSC) and BSWAP.</summary>
internal sealed partial class HostTranslator
{
    private const int Rax = 0, Rdx = 2;

    /// <summary>
    /// One-operand MUL and IMUL r/m32 and r/m64: RDX:RAX (EDX:EAX, both zero-extended, as the host's 32-bit forms leave
    /// them) = the accumulator × the operand, by the host's own instruction, which sets CF = OF as the guest's does (SDM
    /// Vol. 2A MUL, IMUL); the rest of the flags as the interpreter records them (<c>Arithmetic.Mul</c>, <see cref="SaveMultiplyFlags"/>).
    /// </summary>
    private void EmitMulWide(in GuestNode n, int size)
    {
        Access(in n, read: n.D.K0 == OperandKind.Memory, write: false);
        Load(in n, 0, size, R9); // the operand first: MUL RAX reads the accumulator twice, still before any write
        LoadGpr(Rax, rax);
        var signed = n.D.I.Mnemonic == Mnemonic.Imul;
        Op(size == 8 ? signed ? Code.Imul_rm64 : Code.Mul_rm64 : signed ? Code.Imul_rm32 : Code.Mul_rm32, Sized(R9, size));
        _a.mov(r8, rax);
        _a.mov(r9, rdx);
        if (n.FlagsLive)
            SaveMultiplyFlags(size);
        else
            FlagsDead();
        StoreGpr(Rax, r8);
        StoreGpr(Rdx, r9);
    }

    /// <summary>
    /// DIV r/m32 and r/m64: RDX:RAX (EDX:EAX) divided by the operand, the quotient to RAX and the remainder to RDX. The
    /// quotient fits exactly when the high half is below the divisor, which also rules out a divisor of 0; otherwise the
    /// block leaves before the instruction and the interpreter raises #DE there (SDM Vol. 2A DIV: "#DE if the source
    /// operand is 0, or if the quotient is too large for the designated register"). The flags are undefined after DIV and
    /// the interpreter keeps them, so they are saved before the host's compare and DIV clobber RFLAGS.
    /// </summary>
    private void EmitDiv(in GuestNode n, int size)
    {
        SaveFlags();
        Access(in n, read: n.D.K0 == OperandKind.Memory, write: false);
        Load(in n, 0, size, Register.RCX);
        LoadGpr(Rdx, r8);
        Op(SizedCodes.Of(HostForm.Cmp, size), Sized(R8, size), Sized(Register.RCX, size));
        _a.jae(ExitLabel(n.Rip, Behind(in n)));
        LoadGpr(Rax, rax);
        _a.mov(rdx, r8);
        if (size == 8)
            _a.div(rcx);
        else
            _a.div(ecx); // EAX and EDX written zero-extended, as the guest's 32-bit DIV leaves them
        StoreGpr(Rax, rax);
        StoreGpr(Rdx, rdx);
        _flags.InHost = false;
    }

    /// <summary>
    /// CBW, CWDE, CDQE (the accumulator sign-extended in place) and CWD, CDQ, CQO (its sign into RDX): the host's own
    /// instruction on the guest's RAX and RDX, which merges or zero-extends as the guest's does and changes no flag.
    /// </summary>
    private void EmitConvertAccumulator(in GuestNode n)
    {
        var intoRdx = n.D.I.Mnemonic is Mnemonic.Cwd or Mnemonic.Cdq or Mnemonic.Cqo;
        LoadGpr(Rax, rax);
        if (intoRdx)
            LoadGpr(Rdx, rdx);
        _a.AddInstruction(Instruction.Create(n.D.I.Code));
        if (intoRdx)
            StoreGpr(Rdx, rdx);
        else
            StoreGpr(Rax, rax);
    }

    /// <summary>
    /// CMPXCHG m, r (a LOCK prefix changes nothing on one vCPU): the host's CMPXCHG on the guest's memory, through both
    /// probes since the destination is written whether or not it matched (SDM Vol. 2A CMPXCHG), with the guest's
    /// accumulator in RAX; the host leaves the flags of CMP of the accumulator with the destination, and on a mismatch the
    /// destination in the accumulator (EAX zero-extended, as the guest's), as the interpreter does. The register-destination
    /// forms are left to the interpreter.
    /// </summary>
    private void EmitCmpxchg(in GuestNode n, int size)
    {
        Access(in n, read: true, write: true);
        Load(in n, 1, size, R9);
        LoadGpr(Rax, rax);
        var code = size switch { 1 => Code.Cmpxchg_rm8_r8, 2 => Code.Cmpxchg_rm16_r16, 4 => Code.Cmpxchg_rm32_r32, _ => Code.Cmpxchg_rm64_r64 };
        Op(code, new MemoryOperand(Register.RDX), Sized(R9, size));
        StoreGpr(Rax, rax); // a MOV: the flags stay in RFLAGS
        Produced();
    }

    /// <summary>
    /// RDTSC: EDX:EAX = the time-stamp counter as the interpreter's <see cref="X86Cpu.Tsc"/> reads it, the count of
    /// instructions retired before this one plus what the state block's <see cref="HostState.CounterOffset"/> adds to it (the
    /// TSC's base and the idle cycles, written at each entry). The kernel's <c>read_tsc</c> and <c>native_sched_clock</c>
    /// run it about 35,000 times on the PVH boot to /init, each a stop at a refused block while it had no host form.
    /// RDTSCP reads the same and ECX = IA32_TSC_AUX (SDM Vol. 2B RDTSCP), which the kernel patches in for
    /// <c>rdtsc_ordered</c> where CPUID has it (arch/x86/include/asm/msr.h): about 27,000 more such stops.
    /// </summary>
    private void EmitRdtsc(in GuestNode n)
    {
        SaveFlags();
        _flags.InHost = false;
        _a.mov(rax, __qword_ptr[r12 + HostState.CounterOffset * 8]);
        _a.lea(rax, __[rax + r14 - Behind(in n)]);
        _a.mov(rdx, rax);
        _a.shr(rdx, 32);
        _a.mov(eax, eax);
        StoreGpr(Rax, rax);
        StoreGpr(Rdx, rdx);
        if (n.D.I.Mnemonic == Mnemonic.Rdtscp)
        {
            _a.mov(ecx, __dword_ptr[r12 + HostState.TscAux * 8]);
            StoreGpr(Rcx, rcx);
        }
    }

    /// <summary>
    /// CMPXCHG16B m128 (the slab allocator's lockless freelist, <c>this_cpu_cmpxchg16b</c>): the host's own on the guest's
    /// memory, through both probes since the destination is written whether or not it matched (SDM Vol. 2A
    /// CMPXCHG8B/CMPXCHG16B), with the guest's RDX:RAX and RCX:RBX in the host's. A misaligned operand leaves before any
    /// access, for the interpreter's #GP(0); an aligned one lies in one page. RBX, the register array's, is pushed around
    /// it. RDX:RAX come back as the host leaves them (what memory held on a mismatch, themselves otherwise). Only ZF
    /// changes, merged into the saved flags as <see cref="Arithmetic.Cmpxchg8b"/> keeps the rest.
    /// </summary>
    private void EmitCmpxchg16b(in GuestNode n)
    {
        const int Rbx = 3;
        SaveFlags();
        EffectiveAddress(in n.D);
        _a.test(edi, 15);
        _a.jnz(ExitLabel(n.Rip, Behind(in n)));
        AccessAt(in n, read: true, write: true);
        _a.mov(r8, rdx);
        LoadGpr(Rax, rax);
        LoadGpr(Rdx, rdx);
        LoadGpr(Rcx, rcx);
        LoadGpr(Rbx, r9);
        _a.push(rbx);
        _a.mov(rbx, r9);
        _a.cmpxchg16b(__xmmword_ptr[r8]);
        _a.pop(rbx);
        StoreGpr(Rax, rax); // MOVs: ZF stays in RFLAGS
        StoreGpr(Rdx, rdx);
        SavedFlagsWith(FlagBits.ZF, overflowToo: false);
        SaveComputedFlags();
    }

    /// <summary>
    /// XADD r/m, r at 32 and 64 bits: the host's XADD, on the memory operand through both probes or on R8, flags as ADD's.
    /// The register gets the old destination before the destination is written, so XADD r, r with one register leaves the
    /// sum (SDM Vol. 2B XADD: SRC ← DEST, then DEST ← TEMP); a 32-bit write zero-extends, as the guest's.
    /// </summary>
    private void EmitXadd(in GuestNode n, int size)
    {
        var memory = n.D.K0 == OperandKind.Memory;
        Access(in n, read: memory, write: memory);
        Load(in n, 1, size, R9);
        var code = size == 8 ? Code.Xadd_rm64_r64 : Code.Xadd_rm32_r32;
        if (memory)
            Op(code, new MemoryOperand(Register.RDX), Sized(R9, size));
        else
        {
            Load(in n, 0, size, R8);
            Op(code, Sized(R8, size), Sized(R9, size));
        }
        Produced();
        StoreGpr(X86Cpu.GprInfo(n.D.I.Op1Register).Slot, r9);
        if (!memory)
            StoreOp0(in n, size, R8);
    }

    /// <summary>BSWAP r32 and r64: the host's BSWAP, which changes no flag (a 32-bit one zero-extends, as the guest's).</summary>
    private void EmitBswap(in GuestNode n, int size)
    {
        Load(in n, 0, size, R8);
        Op(size == 8 ? Code.Bswap_r64 : Code.Bswap_r32, Sized(R8, size));
        StoreOp0(in n, size, R8);
    }
}
