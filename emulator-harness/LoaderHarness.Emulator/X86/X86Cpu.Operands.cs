using System.Runtime.CompilerServices;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>Registers, effective addresses and instruction operands.</summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>Iced register → GPR slot (16 = the zero slot for none/RIP/EIP); pinned so lookups skip bounds checks.</summary>
    private static readonly byte[] RegSlotTable = BuildRegTables(out RegWidthTable);

    /// <summary>Iced register → width in bytes; 0x81 marks AH/CH/DH/BH; 0 marks non-GPRs.</summary>
    private static readonly byte[] RegWidthTable;

    private static readonly byte* RegSlot = (byte*)Unsafe.AsPointer(ref RegSlotTable[0]);
    private static readonly byte* RegWidth = (byte*)Unsafe.AsPointer(ref RegWidthTable[0]);

    /// <summary>Room for every Iced <see cref="Register"/> value (a fixed size: Enum.GetValues costs a reflection decode of every name under NativeAOT; a test checks that it fits).</summary>
    internal const int RegisterCapacity = 1024;

    private static byte[] BuildRegTables(out byte[] widthTable)
    {
        var count = RegisterCapacity;
        var slot = GC.AllocateArray<byte>(count, pinned: true);
        var width = GC.AllocateArray<byte>(count, pinned: true);
        widthTable = width;
        Array.Fill(slot, (byte)16);
        for (var i = 0; i < 16; i++)
        {
            Set(Register.RAX + i, i, 8);
            Set(Register.EAX + i, i, 4);
            Set(Register.AX + i, i, 2);
        }
        for (var i = 0; i < 4; i++)
        {
            Set(Register.AL + i, i, 1);
            Set(Register.AH + i, i, 0x81);
        }
        for (var i = 4; i < 16; i++)
            Set(Register.SPL + i - 4, i, 1);
        return slot;

        void Set(Register r, int s, byte w)
        {
            slot[(int)r] = (byte)s;
            width[(int)r] = w;
        }
    }

    /// <summary>Width in bytes of a general-purpose register (1 for AH..BH).</summary>
    internal static int RegisterSize(Register r) => RegWidth[(int)r] & 0xF;

    /// <summary>Reads a GPR of any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadReg(Register r)
    {
        var v = R[RegSlot[(int)r]];
        return RegWidth[(int)r] switch
        {
            8 => v,
            4 => (uint)v,
            2 => (ushort)v,
            1 => (byte)v,
            0x81 => (byte)(v >> 8),
            _ => ReadSpecialRegister(r),
        };
    }

    /// <summary>Writes a GPR with x86 merge rules: 32-bit writes zero-extend, 8/16-bit writes merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteReg(Register r, ulong value)
    {
        ref var v = ref R[RegSlot[(int)r]];
        switch (RegWidth[(int)r])
        {
            case 8: v = value; break;
            case 4: v = (uint)value; break;
            case 2: v = (v & ~0xFFFFUL) | (ushort)value; break;
            case 1: v = (v & ~0xFFUL) | (byte)value; break;
            case 0x81: v = (v & ~0xFF00UL) | ((value & 0xFF) << 8); break;
            default: WriteSpecialRegister(r, value); break;
        }
    }

    private ulong ReadSpecialRegister(Register r)
    {
        if (r >= Register.ES && r <= Register.GS)
            return Seg[r - Register.ES].Selector;
        if (r >= Register.CR0 && r <= Register.CR15)
            return ReadCr(r - Register.CR0);
        if (r >= Register.DR0 && r <= Register.DR7)
            return DebugRegisters[r - Register.DR0];
        if (r == Register.RIP)
            return Rip;
        if (r == Register.EIP)
            return (uint)Rip;
        return 0;
    }

    private void WriteSpecialRegister(Register r, ulong value)
    {
        if (r == Register.RIP || r == Register.EIP)
            Rip = value;
        else if (r >= Register.DR0 && r <= Register.DR7)
            DebugRegisters[r - Register.DR0] = value;
        else
            throw new ArgumentException($"{r} is not a general-purpose register", nameof(r));
    }

    /// <summary>Effective address (offset in the segment) of the memory operand, wrapped to the address size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Ea(ref DecodedInstruction d)
        => (d.Disp + R[d.Base] + (R[d.Index] << d.ScaleShift)) & d.AddrMask;

    /// <summary>Reads the memory operand with its own size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadMemOp(ref DecodedInstruction d, int size) => ReadMem(d.Seg, Ea(ref d), size);

    /// <summary>Operand 0 at the instruction's operand size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadOp0(ref DecodedInstruction d)
    {
        if (d.K0 == OperandKind.Gpr)
            return (R[d.R0] >> d.Sh0) & d.M0;
        if (d.K0 == OperandKind.Memory)
            return ReadMemOp(ref d, d.OpSize);
        return ReadReg(d.I.Op0Register);
    }

    /// <summary>Operand 1 (register, memory or immediate), masked to the operand size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadOp1(ref DecodedInstruction d)
    {
        var k = d.K1;
        if (k == OperandKind.Gpr)
            return (R[d.R1] >> d.Sh1) & d.M1;
        if (k == OperandKind.Immediate)
            return d.Imm;
        if (k == OperandKind.Memory)
            return ReadMemOp(ref d, d.OpSize);
        return ReadReg(d.I.Op1Register);
    }

    /// <summary>Any operand by index, masked to <paramref name="size"/> for immediates.</summary>
    internal ulong ReadOp(ref DecodedInstruction d, int n, int size)
    {
        return d.I.GetOpKind(n) switch
        {
            OpKind.Register => ReadReg(d.I.GetOpRegister(n)),
            OpKind.Memory => ReadMemOp(ref d, size),
            _ => d.I.GetImmediate(n) & Mask(size),
        };
    }

    /// <summary>Writes operand 0 (register or memory) at the instruction's operand size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp0(ref DecodedInstruction d, ulong value)
    {
        if (d.K0 == OperandKind.Gpr)
        {
            ref var r = ref R[d.R0];
            r = (r & d.Keep0) | ((value & d.M0) << d.Sh0);
        }
        else if (d.K0 == OperandKind.Memory)
            WriteMem(d.Seg, Ea(ref d), d.OpSize, value);
        else
            WriteReg(d.I.Op0Register, value);
    }

    /// <summary>RSP/ESP/SP at the current stack width.</summary>
    internal ulong Sp => R[4] & Mask(StackSize);

    /// <summary>Sets the stack pointer at the current stack width (16-bit stacks keep the upper bits).</summary>
    internal void SetSp(ulong value)
    {
        if (StackSize == 2)
            R[4] = (R[4] & ~0xFFFFUL) | (ushort)value;
        else
            R[4] = value & Mask(StackSize);
    }

    /// <summary>Pushes <paramref name="size"/> bytes; RSP changes only if the write succeeds.</summary>
    internal void Push(ulong value, int size)
    {
        var sp = (Sp - (ulong)size) & Mask(StackSize);
        WriteMem((int)SegmentRegister.Ss, sp, size, value);
        SetSp(sp);
    }

    /// <summary>Pops <paramref name="size"/> bytes.</summary>
    internal ulong Pop(int size)
    {
        var sp = Sp;
        var v = ReadMem((int)SegmentRegister.Ss, sp, size);
        SetSp(sp + (ulong)size);
        return v;
    }

    /// <summary>Reads at SP + <paramref name="offset"/> without moving SP.</summary>
    internal ulong PeekStack(ulong offset, int size)
        => ReadMem((int)SegmentRegister.Ss, (Sp + offset) & Mask(StackSize), size);
}
