using Iced.Intel;
using LoaderHarness.Emulator.Core;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers: privileged and system instructions — interrupt flag, HLT, CPUID, MSRs, TSC,
/// control/debug registers, descriptor tables, TLB and cache maintenance, port I/O, SWAPGS, FS/GS base.
/// </summary>
internal static unsafe class SystemInstructions
{
    private static void RequireCpl0(X86Cpu c)
    {
        if (c.Cpl != 0)
            c.Throw(ExceptionVector.GeneralProtection);
    }

    public static void Cli(X86Cpu c, ref DecodedInstruction d)
    {
        c.CheckIoPermission();
        c.FlagsRest &= ~FlagBits.IF;
    }

    public static void Sti(X86Cpu c, ref DecodedInstruction d)
    {
        c.CheckIoPermission();
        if ((c.FlagsRest & FlagBits.IF) != 0)
            return;
        c.FlagsRest |= FlagBits.IF;
        c.BeginInterruptShadow(); // SDM Vol. 2B STI: interrupts are recognised after the next instruction

    }

    public static void Hlt(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        c.Stop(StopReason.Halt);
    }

    public static void Cpuid(X86Cpu c, ref DecodedInstruction d)
    {
        var leaf = c.CpuId.Query((uint)c.R[0], (uint)c.R[1]);
        c.R[0] = leaf.Eax;
        c.R[3] = leaf.Ebx;
        c.R[1] = leaf.Ecx;
        c.R[2] = leaf.Edx;
    }

    public static void Rdmsr(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        if (!c.TryReadMsr((uint)c.R[1], out var v))
            c.Throw(ExceptionVector.GeneralProtection);
        c.R[0] = (uint)v;
        c.R[2] = v >> 32;
    }

    public static void Wrmsr(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        if (!c.TryWriteMsr((uint)c.R[1], ((c.R[2] & 0xFFFF_FFFF) << 32) | (uint)c.R[0]))
            c.Throw(ExceptionVector.GeneralProtection);
    }

    public static void Rdtsc(X86Cpu c, ref DecodedInstruction d)
    {
        var t = c.Tsc;
        c.R[0] = (uint)t;
        c.R[2] = t >> 32;
        if (d.I.Mnemonic == Mnemonic.Rdtscp)
            c.R[1] = (uint)c.TscAux;
    }

    /// <summary>
    /// RDRAND, RDSEED r16/r32/r64: the CPU's seeded generator (<see cref="X86Cpu.EnableRandom"/>); always
    /// valid, so CF = 1 and OF, SF, ZF, AF, PF = 0 (SDM Vol. 2B RDRAND). #UD while CPUID says absent.
    /// </summary>
    public static void Rdrand(X86Cpu c, ref DecodedInstruction d)
    {
        if (!c.RandomEnabled)
            c.Throw(ExceptionVector.InvalidOpcode);
        c.WriteReg(d.I.Op0Register, c.NextRandom() & Mask(d.OpSize));
        c.SetArith(FlagBits.CF);
    }

    public static void MovCr(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        if (d.I.Op0Register is >= Register.CR0 and <= Register.CR15)
            c.WriteCr(d.I.Op0Register - Register.CR0, c.ReadReg(d.I.Op1Register));
        else
            c.WriteReg(d.I.Op0Register, c.ReadCr(d.I.Op1Register - Register.CR0));
    }

    public static void MovDr(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        if (d.I.Op0Register is >= Register.DR0 and <= Register.DR7)
            c.DebugRegisters[d.I.Op0Register - Register.DR0] = c.ReadReg(d.I.Op1Register);
        else
            c.WriteReg(d.I.Op0Register, c.DebugRegisters[d.I.Op1Register - Register.DR0]);
    }

    /// <summary>LGDT/LIDT: limit then base (24 bits with a 16-bit operand, 64 bits in 64-bit mode).</summary>
    public static void LoadDescriptorTable(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        var ea = c.Ea(ref d);
        var limit = (ushort)c.ReadMem(d.Seg, ea, 2);
        var baseAddress = c.ReadMem(d.Seg, (ea + 2) & d.AddrMask, c.Mode64 ? 8 : 4);
        if (!c.Mode64)
            baseAddress &= d.OpAttr == 2 ? 0xFF_FFFFUL : 0xFFFF_FFFFUL;
        var value = new DescriptorTableRegister(baseAddress, limit);
        if (d.I.Mnemonic == Mnemonic.Lgdt)
            c.Gdtr = value;
        else
            c.Idtr = value;
    }

    public static void StoreDescriptorTable(X86Cpu c, ref DecodedInstruction d)
    {
        var value = d.I.Mnemonic == Mnemonic.Sgdt ? c.Gdtr : c.Idtr;
        var ea = c.Ea(ref d);
        c.WriteMem(d.Seg, ea, 2, value.Limit);
        c.WriteMem(d.Seg, (ea + 2) & d.AddrMask, c.Mode64 ? 8 : 4, value.Base);
    }

    public static void Lldt(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        c.LoadSystemSegment(SegmentRegister.Ldtr, (ushort)c.ReadOp(ref d, 0, 2));
    }

    public static void Ltr(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        c.LoadSystemSegment(SegmentRegister.Tr, (ushort)c.ReadOp(ref d, 0, 2));
    }

    public static void Sldt(X86Cpu c, ref DecodedInstruction d)
        => StoreSelector(c, ref d, c.Seg[(int)SegmentRegister.Ldtr].Selector);

    public static void Str(X86Cpu c, ref DecodedInstruction d)
        => StoreSelector(c, ref d, c.Seg[(int)SegmentRegister.Tr].Selector);

    public static void Smsw(X86Cpu c, ref DecodedInstruction d)
        => StoreSelector(c, ref d, c.Cr0 & 0xFFFF);

    private static void StoreSelector(X86Cpu c, ref DecodedInstruction d, ulong value)
    {
        if (d.I.Op0Kind == OpKind.Register)
            c.WriteReg(d.I.Op0Register, value);
        else
            c.WriteMem(d.Seg, c.Ea(ref d), 2, value);
    }

    /// <summary>LMSW changes PE, MP, EM, TS only and cannot clear PE.</summary>
    public static void Lmsw(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        var v = c.ReadOp(ref d, 0, 2) & 0xF;
        c.WriteCr(0, (c.Cr0 & ~0xEUL) | v | (c.Cr0 & ControlBits.Cr0Pe));
    }

    public static void Clts(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        c.Cr0 &= ~ControlBits.Cr0Ts;
    }

    public static void Invlpg(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        c.FlushTlbPage(c.LinearAddress(d.Seg, c.Ea(ref d), 1, false));
    }

    /// <summary>WBINVD, INVD: no caches to maintain.</summary>
    public static void CacheControl(X86Cpu c, ref DecodedInstruction d) => RequireCpl0(c);

    public static void In(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var port = d.I.Op1Kind == OpKind.Register ? (ushort)c.R[2] : d.I.Immediate8;
        c.CheckPortPermission(port, size);
        c.WriteReg(d.I.Op0Register, c.Bus.In(port, size));
    }

    public static void Out(X86Cpu c, ref DecodedInstruction d)
    {
        var size = RegisterSize(d.I.Op1Register);
        var port = d.I.Op0Kind == OpKind.Register ? (ushort)c.R[2] : d.I.Immediate8;
        c.CheckPortPermission(port, size);
        c.PortOut(port, size, (uint)c.ReadReg(d.I.Op1Register));
    }

    public static void Xgetbv(X86Cpu c, ref DecodedInstruction d)
    {
        if ((c.Cr4 & ControlBits.Cr4Osxsave) == 0)
            c.Throw(ExceptionVector.InvalidOpcode);
        if ((uint)c.R[1] != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        c.R[0] = (uint)c.Xcr0;
        c.R[2] = c.Xcr0 >> 32;
    }

    public static void Swapgs(X86Cpu c, ref DecodedInstruction d)
    {
        if (!c.Mode64)
            c.Throw(ExceptionVector.InvalidOpcode);
        RequireCpl0(c);
        ref var gs = ref c.Seg[(int)SegmentRegister.Gs];
        (gs, c.KernelGsBase) = (gs with { Base = c.KernelGsBase }, gs.Base);
        c.UpdateMode();
    }

    /// <summary>RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE (64-bit mode with CR4.FSGSBASE).</summary>
    public static void FsGsBase(X86Cpu c, ref DecodedInstruction d)
    {
        if (!c.Mode64 || (c.Cr4 & ControlBits.Cr4Fsgsbase) == 0)
            c.Throw(ExceptionVector.InvalidOpcode);
        var m = d.I.Mnemonic;
        var seg = m is Mnemonic.Rdfsbase or Mnemonic.Wrfsbase ? SegmentRegister.Fs : SegmentRegister.Gs;
        if (m is Mnemonic.Rdfsbase or Mnemonic.Rdgsbase)
        {
            c.WriteReg(d.I.Op0Register, c.Seg[(int)seg].Base);
            return;
        }
        var v = c.ReadReg(d.I.Op0Register);
        if (!IsCanonical(v))
            c.Throw(ExceptionVector.GeneralProtection);
        c.Seg[(int)seg] = c.Seg[(int)seg] with { Base = v };
        c.UpdateMode();
    }

    /// <summary>CLAC/STAC toggle RFLAGS.AC (SMAP itself is not modelled).</summary>
    public static void Clac(X86Cpu c, ref DecodedInstruction d)
    {
        RequireCpl0(c);
        if (d.I.Mnemonic == Mnemonic.Stac)
            c.FlagsRest |= FlagBits.AC;
        else
            c.FlagsRest &= ~FlagBits.AC;
    }
}
