using System.Buffers.Binary;
using Iced.Intel;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>Instruction handlers: moves, extensions, exchanges, stack pushes and pops, flag transfers, far-pointer loads.</summary>
internal static unsafe class DataMovement
{
    public static void Mov(X86Cpu c, ref DecodedInstruction d) => c.WriteOp0(ref d, c.ReadOp1(ref d));

    public static void Nop(X86Cpu c, ref DecodedInstruction d)
    {
    }

    private static int SourceSize(ref DecodedInstruction d)
        => d.I.Op1Kind == OpKind.Register ? RegisterSize(d.I.Op1Register) : d.MemSize;

    public static void Movzx(X86Cpu c, ref DecodedInstruction d)
        => c.WriteReg(d.I.Op0Register, c.ReadOp(ref d, 1, SourceSize(ref d)));

    public static void Movsx(X86Cpu c, ref DecodedInstruction d)
    {
        var v = Arithmetic.SignExtend(c.ReadOp(ref d, 1, SourceSize(ref d)), SourceSize(ref d));
        c.WriteReg(d.I.Op0Register, (ulong)v & Mask(d.OpSize));
    }

    public static void Lea(X86Cpu c, ref DecodedInstruction d) => c.WriteReg(d.I.Op0Register, c.Ea(ref d));

    public static void Xchg(X86Cpu c, ref DecodedInstruction d)
    {
        var a = c.ReadOp0(ref d);
        var b = c.ReadOp1(ref d);
        c.WriteOp0(ref d, b);
        c.WriteReg(d.I.Op1Register, a);
    }

    /// <summary>Push/pop width: 64-bit mode pushes 8 bytes unless 0x66 asks for 2 (SDM Vol. 1 §6.2.5).</summary>
    internal static int StackOpSize(X86Cpu c, ref DecodedInstruction d)
        => c.Mode64 ? (d.OpAttr == 2 ? 2 : 8) : d.OpAttr;

    public static void Push(X86Cpu c, ref DecodedInstruction d)
    {
        var size = StackOpSize(c, ref d);
        var v = d.I.Op0Kind switch
        {
            OpKind.Register => c.ReadReg(d.I.Op0Register),
            OpKind.Memory => c.ReadMemOp(ref d, size),
            _ => d.I.GetImmediate(0),
        };
        c.Push(v, size);
    }

    public static void Pop(X86Cpu c, ref DecodedInstruction d)
    {
        var size = StackOpSize(c, ref d);
        if (d.I.Op0Kind == OpKind.Register && d.I.Op0Register is >= Register.ES and <= Register.GS)
        {
            var selector = (ushort)c.PeekStack(0, size);
            c.LoadSegment(d.I.Op0Register - Register.ES, selector);
            c.SetSp(c.Sp + (ulong)size);
            if (d.I.Op0Register == Register.SS)
                c.BeginInterruptShadow(); // SDM Vol. 3A §6.8.3: POP SS inhibits interrupts for one instruction
            return;
        }
        var v = c.Pop(size);
        if (d.I.Op0Kind == OpKind.Register)
            c.WriteReg(d.I.Op0Register, v);
        else
            c.WriteMem(d.Seg, c.Ea(ref d), size, v);
    }

    public static void Pusha(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpAttr;
        var sp = c.R[4];
        for (var i = 0; i < 8; i++)
            c.Push(i == 4 ? sp : c.R[i], size);
    }

    public static void Popa(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpAttr;
        for (var i = 7; i >= 0; i--)
        {
            var v = c.Pop(size);
            if (i != 4)
                c.WriteReg(size == 2 ? Register.AX + i : Register.EAX + i, v);
        }
    }

    public static void Pushf(X86Cpu c, ref DecodedInstruction d)
        => c.Push(c.GetRflags() & ~(FlagBits.VM | FlagBits.RF), StackOpSize(c, ref d));

    public static void Popf(X86Cpu c, ref DecodedInstruction d)
    {
        var size = StackOpSize(c, ref d);
        var v = c.Pop(size);
        c.WriteFlagsChecked(v, size);
    }

    public static void ConvertAccumulator(X86Cpu c, ref DecodedInstruction d)
    {
        switch (d.I.Code)
        {
            case Code.Cbw: c.WriteReg(Register.AX, (ulong)(sbyte)c.R[0]); break;
            case Code.Cwde: c.WriteReg(Register.EAX, (ulong)(short)c.R[0]); break;
            case Code.Cdqe: c.R[0] = (ulong)(int)c.R[0]; break;
            case Code.Cwd: c.WriteReg(Register.DX, (short)c.R[0] < 0 ? 0xFFFFUL : 0); break;
            case Code.Cdq: c.WriteReg(Register.EDX, (int)c.R[0] < 0 ? 0xFFFF_FFFFUL : 0); break;
            case Code.Cqo: c.R[2] = (long)c.R[0] < 0 ? ulong.MaxValue : 0; break;
        }
    }

    public static void Bswap(X86Cpu c, ref DecodedInstruction d)
    {
        var r = d.I.Op0Register;
        var v = c.ReadReg(r);
        c.WriteReg(r, d.OpSize switch
        {
            8 => BinaryPrimitives.ReverseEndianness(v),
            4 => BinaryPrimitives.ReverseEndianness((uint)v),
            _ => 0, // BSWAP of a 16-bit register is undefined; recent CPUs give 0
        });
    }

    /// <remarks>The destination is a 16-, 32- or 64-bit GPR: its slot, value mask and kept bits are in the decoded entry.</remarks>
    public static void Cmovcc(X86Cpu c, ref DecodedInstruction d)
    {
        var v = c.ReadOp1(ref d);
        ref var r = ref c.R[d.R0];
        if (c.Condition((ConditionCode)d.Cc))
            r = (r & d.Keep0) | (v & d.M0);
        else if (d.OpSize == 4)
            r = (uint)r; // 32-bit CMOVcc zero-extends even when false
    }

    public static void Lahf(X86Cpu c, ref DecodedInstruction d)
        => c.WriteReg(Register.AH, (c.GetRflags() & 0xD5) | 2);

    public static void Sahf(X86Cpu c, ref DecodedInstruction d)
        => c.SetArith((c.ArithFlags() & FlagBits.OF) | (c.ReadReg(Register.AH) & 0xD5));

    public static void Xlat(X86Cpu c, ref DecodedInstruction d)
    {
        var ea = (c.R[3] + (byte)c.R[0]) & d.AddrMask;
        c.WriteReg(Register.AL, c.ReadMem(d.Seg, ea, 1));
    }

    /// <summary>LDS, LES, LSS, LFS, LGS: offset then selector from memory.</summary>
    public static void LoadFarPointer(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var ea = c.Ea(ref d);
        var offset = c.ReadMem(d.Seg, ea, size);
        var selector = (ushort)c.ReadMem(d.Seg, (ea + (ulong)size) & d.AddrMask, 2);
        var seg = d.I.Mnemonic switch
        {
            Mnemonic.Lds => SegmentRegister.Ds,
            Mnemonic.Les => SegmentRegister.Es,
            Mnemonic.Lss => SegmentRegister.Ss,
            Mnemonic.Lfs => SegmentRegister.Fs,
            _ => SegmentRegister.Gs,
        };
        c.LoadSegment((int)seg, selector);
        c.WriteReg(d.I.Op0Register, offset);
    }

    public static void MovToSegment(X86Cpu c, ref DecodedInstruction d)
    {
        var seg = d.I.Op0Register - Register.ES;
        if (seg == (int)SegmentRegister.Cs)
            c.Throw(ExceptionVector.InvalidOpcode);
        c.LoadSegment(seg, (ushort)c.ReadOp(ref d, 1, 2));
        if (seg == (int)SegmentRegister.Ss)
            c.BeginInterruptShadow(); // SDM Vol. 3A §6.8.3: MOV SS inhibits interrupts for one instruction
    }

    public static void MovFromSegment(X86Cpu c, ref DecodedInstruction d)
    {
        var selector = c.Seg[d.I.Op1Register - Register.ES].Selector;
        if (d.I.Op0Kind == OpKind.Register)
            c.WriteReg(d.I.Op0Register, selector);
        else
            c.WriteMem(d.Seg, c.Ea(ref d), 2, selector);
    }

    public static void Movbe(X86Cpu c, ref DecodedInstruction d)
    {
        var v = c.ReadOp1(ref d);
        v = d.OpSize switch
        {
            8 => BinaryPrimitives.ReverseEndianness(v),
            4 => BinaryPrimitives.ReverseEndianness((uint)v),
            _ => BinaryPrimitives.ReverseEndianness((ushort)v),
        };
        c.WriteOp0(ref d, v);
    }
}
