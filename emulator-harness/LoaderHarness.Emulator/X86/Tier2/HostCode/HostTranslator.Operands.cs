using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>Operands (guest registers in the pinned array, memory through the TLB) and where the guest's flags are.</summary>
internal sealed unsafe partial class HostTranslator
{
    private const Register R8 = Register.R8, R9 = Register.R9;

    /// <summary>Where the guest's arithmetic flags are (AF aside, which no condition reads).</summary>
    private readonly HostFlags _flags;

    private void Produced() => _flags.Produced();

    private void FlagsDead() => _flags.Dead();

    private void SaveFlags() => _flags.Save();

    private void NeedHostFlags() => _flags.Load();

    /// <summary>
    /// For an instruction with a memory operand: its linear address in RDI (the effective address, plus FS's or GS's base
    /// where the operand names one: in 64-bit mode the others' bases are 0, SDM Vol. 3A §3.4.4), then host pointers for the
    /// access, RSI for the read and RDX for the write; a TLB miss leaves the block before the instruction, and the
    /// interpreter runs it.
    /// </summary>
    private void Access(in GuestNode n, bool read, bool write)
    {
        if (!read && !write)
            return;
        SaveFlags();
        EffectiveAddress(in n.D);
        AccessAt(in n, read, write);
    }

    /// <summary>The rest of <see cref="Access"/> once RDI holds the operand's offset: the segment's base, then the probes.</summary>
    private void AccessAt(in GuestNode n, bool read, bool write)
    {
        if (n.D.Seg >= (byte)SegmentRegister.Fs)
        {
            _a.mov(rax, __qword_ptr[r12 + (HostState.FsBase + n.D.Seg - (int)SegmentRegister.Fs) * 8]);
            _a.lea(rdi, __[rdi + rax]);
        }
        var miss = ExitLabel(n.Rip, Behind(in n));
        if (read)
            Probe(false, n.D.MemSize, rsi, miss);
        if (write)
            Probe(true, n.D.MemSize, rdx, miss);
        _flags.InHost = false;
    }

    /// <summary>RDI = the memory operand's offset (base + index × scale + displacement, wrapped to the address size), without touching RFLAGS.</summary>
    private void EffectiveAddress(in DecodedInstruction d)
    {
        var disp = (long)d.Disp;
        if (disp != (int)disp || d.Base == 16 && d.Index == 16)
        {
            _a.mov(rdi, disp);
            if (d.Base != 16)
                _a.lea(rdi, __[rdi + GprIn(d.Base, rax)]);
            if (d.Index != 16)
                _a.lea(rdi, __[rdi + GprIn(d.Index, rax) * (1 << d.ScaleShift)]);
        }
        else if (d.Index == 16 && disp == 0 && _cache[d.Base] == Register.None)
            _a.mov(rdi, __qword_ptr[rbx + d.Base * 8]); // the base itself, straight from the array
        else if (d.Index == 16)
            _a.lea(rdi, __[GprIn(d.Base, rax) + disp]);
        else if (d.Base == 16)
            _a.lea(rdi, __[GprIn(d.Index, rax) * (1 << d.ScaleShift) + disp]);
        else
            _a.lea(rdi, __[GprIn(d.Base, rax) + GprIn(d.Index, rcx) * (1 << d.ScaleShift) + disp]);
        WrapAddress(in d);
    }

    /// <summary>Wraps RDI to the instruction's address size.</summary>
    private void WrapAddress(in DecodedInstruction d)
    {
        if (d.AddrMask == 0xFFFF_FFFF)
            _a.mov(edi, edi);
        else if (d.AddrMask == 0xFFFF)
            _a.movzx(edi, di);
    }

    /// <summary>Guest register <paramref name="slot"/>: its host register, or <paramref name="scratch"/> loaded from the array.</summary>
    private AssemblerRegister64 GprIn(int slot, AssemblerRegister64 scratch)
    {
        if (_cache[slot] != Register.None)
            return new AssemblerRegister64(_cache[slot]);
        _a.mov(scratch, __qword_ptr[rbx + slot * 8]);
        return scratch;
    }

    /// <summary>The TLB fast path (<see cref="HostTlb.Probe"/>) for <paramref name="size"/> bytes at RDI.</summary>
    private void Probe(bool write, int size, AssemblerRegister64 host, Label miss) => HostTlb.Probe(_exits, write, size, host, miss);

    /// <summary>Operand <paramref name="k"/> as a host memory operand: a guest register's bytes in the array, or the memory operand at RSI.</summary>
    private static MemoryOperand Operand(in GuestNode n, int k)
    {
        if (n.D.I.GetOpKind(k) == OpKind.Memory)
            return new MemoryOperand(Register.RSI);
        var (slot, shift, _) = X86Cpu.GprInfo(n.D.I.GetOpRegister(k));
        return new MemoryOperand(Register.RBX, slot * 8 + shift / 8);
    }

    /// <summary>The host register caching operand <paramref name="k"/>'s guest register; <see cref="Register.None"/> when it is not a cached register.</summary>
    private Register Cached(in GuestNode n, int k)
        => n.D.I.GetOpKind(k) == OpKind.Register ? _cache[X86Cpu.GprInfo(n.D.I.GetOpRegister(k)).Slot] : Register.None;

    /// <summary>
    /// Operand <paramref name="k"/> as a host instruction's immediate at <paramref name="size"/> bytes (the value its
    /// immediate forms take: the low bytes, or at 8 bytes a sign-extended 32-bit value); null when it is not an immediate
    /// or, at 8 bytes, does not fit.
    /// </summary>
    private static int? ImmediateOf(in GuestNode n, int k, int size)
    {
        if (n.D.I.GetOpKind(k) is not (>= OpKind.Immediate8 and <= OpKind.Immediate32to64))
            return null;
        var value = n.D.I.GetImmediate(k);
        return size switch
        {
            1 => (byte)value,
            2 => (ushort)value,
            4 => (int)(uint)value,
            _ => (long)value == (int)value ? (int)value : null,
        };
    }

    /// <summary>
    /// Where an instruction that writes operand 0 works on it: its cached host register, in place (the host's 8- and 16-bit
    /// forms merge and its 32-bit forms zero-extend, as the guest's), else R8, for the caller to load and store around it.
    /// </summary>
    private Register InPlace(in GuestNode n) => Cached(in n, 0) is var c && c != Register.None ? c : R8;

    /// <summary>Loads operand <paramref name="k"/> at <paramref name="size"/> bytes into <paramref name="to"/> (an immediate masked to the size).</summary>
    private void Load(in GuestNode n, int k, int size, Register to)
    {
        if (Cached(in n, k) is var host && host != Register.None)
            Op(SizedCodes.Of(HostForm.Load, size), Sized(to, size), Sized(host, size));
        else if (n.D.I.GetOpKind(k) is OpKind.Register or OpKind.Memory)
            Op(SizedCodes.Of(HostForm.Load, size), Sized(to, size), Operand(in n, k));
        else if ((n.D.I.GetImmediate(k) & X86Cpu.Mask(size)) is var value && value <= uint.MaxValue)
            _a.AddInstruction(Instruction.Create(Code.Mov_r32_imm32, Sized(to, 4), (uint)value)); // zero-extends, as the 64-bit form would
        else
            _a.AddInstruction(Instruction.Create(Code.Mov_r64_imm64, to, value));
    }

    /// <summary>
    /// Stores <paramref name="size"/> bytes of <paramref name="from"/> to operand 0: a 32-bit register write stores all 64
    /// bits (the host's 32-bit operation left them zero-extended, as the guest's does); narrower ones merge, as in x86.
    /// </summary>
    private void StoreOp0(in GuestNode n, int size, Register from)
    {
        if (Cached(in n, 0) is var host && host != Register.None)
        {
            Op(SizedCodes.Of(HostForm.Load, size), Sized(host, size), Sized(from, size)); // a 32-bit MOV zero-extends, as the guest's write
            return;
        }
        var to = Operand(in n, 0);
        if (n.D.I.Op0Kind == OpKind.Memory)
            to = new MemoryOperand(Register.RDX);
        else if (size == 4)
            size = 8;
        Op(SizedCodes.Of(HostForm.Store, size), to, Sized(from, size));
    }

    /// <summary>
    /// A 64-bit host register other than RAX–RBX (whose byte forms with no REX prefix are AH–BH) at <paramref name="size"/>
    /// bytes: Iced numbers the 8-, 16- and 32-bit forms of RSP–R15 in the same order, 16 apart.
    /// </summary>
    private static Register Sized(Register r, int size) => size switch
    {
        8 => r,
        4 => r - 16,
        2 => r - 32,
        _ => r - 48,
    };

    private void Op(Code code, Register r, in MemoryOperand m) => _a.AddInstruction(Instruction.Create(code, r, m));

    private void Op(Code code, in MemoryOperand m, Register r) => _a.AddInstruction(Instruction.Create(code, m, r));

    private void Op(Code code, Register a, Register b) => _a.AddInstruction(Instruction.Create(code, a, b));

    private void Op(Code code, Register r, int immediate) => _a.AddInstruction(Instruction.Create(code, r, immediate));

    private void Op(Code code, in MemoryOperand m, int immediate) => _a.AddInstruction(Instruction.Create(code, m, immediate));

    private void Op(Code code, Register r) => _a.AddInstruction(Instruction.Create(code, r));
}
