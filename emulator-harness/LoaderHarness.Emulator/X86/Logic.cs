using System.Numerics;
using Iced.Intel;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>Instruction handlers: bitwise logic, bit tests and scans, SETcc and the flag-bit instructions.</summary>
internal static unsafe class Logic
{
    public static void And(X86Cpu c, ref DecodedInstruction d)
    {
        var r = c.ReadOp0(ref d) & c.ReadOp1(ref d);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Logic, 0, 0, r, d.OpSize);
    }

    public static void Or(X86Cpu c, ref DecodedInstruction d)
    {
        var r = c.ReadOp0(ref d) | c.ReadOp1(ref d);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Logic, 0, 0, r, d.OpSize);
    }

    public static void Xor(X86Cpu c, ref DecodedInstruction d)
    {
        var r = c.ReadOp0(ref d) ^ c.ReadOp1(ref d);
        c.WriteOp0(ref d, r);
        c.SetLazy(LazyOp.Logic, 0, 0, r, d.OpSize);
    }

    public static void Test(X86Cpu c, ref DecodedInstruction d)
        => c.SetLazy(LazyOp.Logic, 0, 0, c.ReadOp0(ref d) & c.ReadOp1(ref d), d.OpSize);

    public static void Not(X86Cpu c, ref DecodedInstruction d)
        => c.WriteOp0(ref d, ~c.ReadOp0(ref d) & Mask(d.OpSize));

    /// <summary>BT, BTS, BTR, BTC: a register bit offset reaches beyond a memory operand (SDM "Bit(BitBase, BitOffset)").</summary>
    public static void BitTest(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpSize;
        var bits = size * 8;
        long offset;
        if (d.I.Op1Kind == OpKind.Register)
            offset = Arithmetic.SignExtend(c.ReadReg(d.I.Op1Register), size);
        else
            offset = (long)(d.I.GetImmediate(1) & (ulong)(bits - 1));
        ulong value, ea = 0;
        if (d.I.Op0Kind == OpKind.Register)
        {
            offset &= bits - 1;
            value = c.ReadReg(d.I.Op0Register);
        }
        else
        {
            ea = (c.Ea(ref d) + (ulong)((offset >> (size == 8 ? 6 : size == 4 ? 5 : 4)) * size)) & d.AddrMask;
            offset &= bits - 1;
            value = c.ReadMem(d.Seg, ea, size);
        }
        var bit = (value >> (int)offset) & 1;
        var result = d.I.Mnemonic switch
        {
            Mnemonic.Bts => value | (1UL << (int)offset),
            Mnemonic.Btr => value & ~(1UL << (int)offset),
            Mnemonic.Btc => value ^ (1UL << (int)offset),
            _ => value,
        };
        if (d.I.Mnemonic != Mnemonic.Bt)
        {
            if (d.I.Op0Kind == OpKind.Register)
                c.WriteReg(d.I.Op0Register, result);
            else
                c.WriteMem(d.Seg, ea, size, result);
        }
        c.SetArith((c.ArithFlags() & ~FlagBits.CF) | bit);
    }

    public static void Bsf(X86Cpu c, ref DecodedInstruction d)
    {
        var src = c.ReadOp1(ref d);
        var flags = c.ArithFlags() & ~FlagBits.ZF;
        if (src == 0)
            flags |= FlagBits.ZF;
        else
            c.WriteReg(d.I.Op0Register, (ulong)BitOperations.TrailingZeroCount(src));
        c.SetArith(flags);
    }

    public static void Bsr(X86Cpu c, ref DecodedInstruction d)
    {
        var src = c.ReadOp1(ref d);
        var flags = c.ArithFlags() & ~FlagBits.ZF;
        if (src == 0)
            flags |= FlagBits.ZF;
        else
            c.WriteReg(d.I.Op0Register, (ulong)(63 - BitOperations.LeadingZeroCount(src)));
        c.SetArith(flags);
    }

    /// <summary>TZCNT; without BMI1 in CPUID the encoding executes as BSF, as on real CPUs (REP BSF).</summary>
    public static void Tzcnt(X86Cpu c, ref DecodedInstruction d)
    {
        if (!c.HasBmi1)
        {
            Bsf(c, ref d);
            return;
        }
        var src = c.ReadOp1(ref d);
        var bits = d.OpSize * 8;
        var r = src == 0 ? (ulong)bits : (ulong)BitOperations.TrailingZeroCount(src);
        c.WriteReg(d.I.Op0Register, r);
        c.SetArith((src == 0 ? FlagBits.CF : 0) | (r == 0 ? FlagBits.ZF : 0) | (c.ArithFlags() & (FlagBits.OF | FlagBits.SF | FlagBits.PF | FlagBits.AF)));
    }

    public static void Lzcnt(X86Cpu c, ref DecodedInstruction d)
    {
        var src = c.ReadOp1(ref d);
        var bits = d.OpSize * 8;
        var r = (ulong)(BitOperations.LeadingZeroCount(src) - (64 - bits));
        c.WriteReg(d.I.Op0Register, r);
        c.SetArith((src == 0 ? FlagBits.CF : 0) | (r == 0 ? FlagBits.ZF : 0) | (c.ArithFlags() & (FlagBits.OF | FlagBits.SF | FlagBits.PF | FlagBits.AF)));
    }

    public static void Popcnt(X86Cpu c, ref DecodedInstruction d)
    {
        var src = c.ReadOp1(ref d);
        c.WriteReg(d.I.Op0Register, (ulong)BitOperations.PopCount(src));
        c.SetArith(src == 0 ? FlagBits.ZF : 0);
    }

    public static void Setcc(X86Cpu c, ref DecodedInstruction d)
        => c.WriteOp0(ref d, c.Condition(d.I.ConditionCode) ? 1UL : 0);

    public static void Clc(X86Cpu c, ref DecodedInstruction d) => c.SetArith(c.ArithFlags() & ~FlagBits.CF);

    public static void Stc(X86Cpu c, ref DecodedInstruction d) => c.SetArith(c.ArithFlags() | FlagBits.CF);

    public static void Cmc(X86Cpu c, ref DecodedInstruction d) => c.SetArith(c.ArithFlags() ^ FlagBits.CF);

    public static void Cld(X86Cpu c, ref DecodedInstruction d) => c.FlagsRest &= ~FlagBits.DF;

    public static void Std(X86Cpu c, ref DecodedInstruction d) => c.FlagsRest |= FlagBits.DF;
}
