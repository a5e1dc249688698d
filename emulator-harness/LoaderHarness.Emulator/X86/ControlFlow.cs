using Iced.Intel;
using LoaderHarness.Emulator.Core;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>Instruction handlers: jumps, calls, returns, loops, software interrupts, IRET, ENTER/LEAVE.</summary>
internal static unsafe class ControlFlow
{
    public static void Jmp(X86Cpu c, ref DecodedInstruction d)
    {
        ulong target;
        switch (d.I.Op0Kind)
        {
            case OpKind.NearBranch16:
            case OpKind.NearBranch32:
            case OpKind.NearBranch64:
                target = d.I.NearBranchTarget;
                if (target == c.Rip)
                    c.Stop(StopReason.SelfLoop, $"jmp . at 0x{c.Rip:x}");
                break;
            case OpKind.FarBranch16:
            case OpKind.FarBranch32:
                c.FarJump(d.I.FarBranchSelector, d.I.Op0Kind == OpKind.FarBranch16 ? d.I.FarBranch16 : d.I.FarBranch32);
                return;
            default:
                if (d.I.IsJmpFarIndirect)
                {
                    var (selector, offset) = ReadFarPointer(c, ref d);
                    c.FarJump(selector, offset);
                    return;
                }
                target = c.ReadOp(ref d, 0, DataMovement.StackOpSize(c, ref d));
                break;
        }
        c.NextRip = target;
    }

    /// <summary>m16:16, m16:32 or m16:64 operand of an indirect far JMP/CALL.</summary>
    private static (ushort Selector, ulong Offset) ReadFarPointer(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpAttr;
        var ea = c.Ea(ref d);
        var offset = c.ReadMem(d.Seg, ea, size);
        var selector = (ushort)c.ReadMem(d.Seg, (ea + (ulong)size) & d.AddrMask, 2);
        return (selector, offset);
    }

    public static void Jcc(X86Cpu c, ref DecodedInstruction d)
    {
        if (c.Condition((ConditionCode)d.Cc))
            c.NextRip = d.Target;
    }

    /// <summary>JCXZ/JECXZ/JRCXZ test the count register at the address size.</summary>
    public static void Jrcxz(X86Cpu c, ref DecodedInstruction d)
    {
        if ((c.R[1] & d.AddrMask) == 0)
            c.NextRip = d.I.NearBranchTarget;
    }

    public static void Loop(X86Cpu c, ref DecodedInstruction d)
    {
        var count = (c.R[1] - 1) & d.AddrMask;
        c.R[1] = d.AddrSize == 2 ? (c.R[1] & ~0xFFFFUL) | count : count;
        var take = count != 0 && d.I.Mnemonic switch
        {
            Mnemonic.Loope => c.ZF,
            Mnemonic.Loopne => !c.ZF,
            _ => true,
        };
        if (take)
            c.NextRip = d.I.NearBranchTarget;
    }

    public static void Call(X86Cpu c, ref DecodedInstruction d)
    {
        var size = DataMovement.StackOpSize(c, ref d);
        switch (d.I.Op0Kind)
        {
            case OpKind.NearBranch16:
            case OpKind.NearBranch32:
            case OpKind.NearBranch64:
                c.Push(c.NextRip, size);
                c.NextRip = d.I.NearBranchTarget;
                return;
            case OpKind.FarBranch16:
            case OpKind.FarBranch32:
                c.FarCall(d.I.FarBranchSelector, d.I.Op0Kind == OpKind.FarBranch16 ? d.I.FarBranch16 : d.I.FarBranch32, d.OpAttr);
                return;
        }
        if (d.I.IsCallFarIndirect)
        {
            var (selector, offset) = ReadFarPointer(c, ref d);
            c.FarCall(selector, offset, d.OpAttr);
            return;
        }
        var target = c.ReadOp(ref d, 0, size);
        c.Push(c.NextRip, size);
        c.NextRip = target;
    }

    public static void Ret(X86Cpu c, ref DecodedInstruction d)
    {
        var size = DataMovement.StackOpSize(c, ref d);
        var target = c.PeekStack(0, size);
        var release = (ulong)size + (d.I.OpCount > 0 ? d.I.Immediate16 : 0u);
        c.SetSp(c.Sp + release);
        c.NextRip = target;
    }

    /// <summary>RETF, including the return to an outer privilege level that pops SS:SP too.</summary>
    public static void Retf(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpAttr;
        var imm = d.I.OpCount > 0 ? d.I.Immediate16 : 0u;
        var offset = c.PeekStack(0, size);
        var selector = (ushort)c.PeekStack((ulong)size, size);
        var rpl = selector & 3;
        if (c.Protected && rpl > c.Cpl)
        {
            var newSp = c.PeekStack((ulong)(2 * size) + imm, size);
            var newSs = (ushort)c.PeekStack((ulong)(3 * size) + imm, size);
            c.LoadCodeSegment(selector, rpl);
            c.LoadStackSegmentForCpl(newSs, rpl);
            c.SetSp(newSp + imm);
        }
        else
        {
            c.LoadCodeSegment(selector, c.Protected ? rpl : 0);
            c.SetSp(c.Sp + (ulong)(2 * size) + imm);
        }
        c.NextRip = size == 8 ? offset : offset & Mask(size);
    }

    /// <summary>IRET/IRETD/IRETQ (SDM Vol. 2 IRET; task returns and virtual-8086 returns are not supported).</summary>
    public static void Iret(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.OpAttr;
        var offset = c.PeekStack(0, size);
        var selector = (ushort)c.PeekStack((ulong)size, size);
        var flags = c.PeekStack((ulong)(2 * size), size);
        if (!c.Protected)
        {
            c.LoadCodeSegment(selector, 0);
            c.SetSp(c.Sp + (ulong)(3 * size));
            c.WriteFlagsChecked(flags, size);
            c.NextRip = offset & Mask(size);
            return;
        }
        if ((c.FlagsRest & FlagBits.NT) != 0 && !c.Mode64)
            c.Throw(ExceptionVector.GeneralProtection);
        var rpl = selector & 3;
        if (rpl < c.Cpl)
            c.Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));
        var outer = rpl > c.Cpl || c.Mode64;
        ulong newSp = 0;
        ushort newSs = 0;
        if (outer)
        {
            newSp = c.PeekStack((ulong)(3 * size), size);
            newSs = (ushort)c.PeekStack((ulong)(4 * size), size);
        }
        var oldCpl = c.Cpl;
        c.LoadCodeSegment(selector, rpl);
        c.WriteFlagsForCpl(flags, size, oldCpl);
        if (outer)
        {
            if (rpl != oldCpl || (newSs & 0xFFFC) != 0 || !c.Mode64)
                c.LoadStackSegmentForCpl(newSs, rpl);
            else
                c.Seg[(int)SegmentRegister.Ss] = new Segment(newSs, 0, 0, (ushort)(Segment.UnusableBit | (rpl << 5)));
            c.UpdateMode();
            c.SetSp(newSp);
        }
        else
            c.SetSp(c.Sp + (ulong)(3 * size));
        c.NextRip = size == 8 ? offset : offset & Mask(size);
    }

    public static void Int(X86Cpu c, ref DecodedInstruction d) => c.SoftwareInterrupt(d.I.Immediate8);

    public static void Int3(X86Cpu c, ref DecodedInstruction d) => c.SoftwareInterrupt(ExceptionVector.Breakpoint);

    public static void Int1(X86Cpu c, ref DecodedInstruction d) => c.SoftwareInterrupt(ExceptionVector.Debug);

    public static void Into(X86Cpu c, ref DecodedInstruction d)
    {
        if (c.OF)
            c.SoftwareInterrupt(ExceptionVector.Overflow);
    }

    public static void Ud(X86Cpu c, ref DecodedInstruction d) => c.Throw(ExceptionVector.InvalidOpcode);

    public static void Enter(X86Cpu c, ref DecodedInstruction d)
    {
        var size = DataMovement.StackOpSize(c, ref d);
        var frameSize = (ulong)d.I.Immediate16;
        var level = d.I.Immediate8_2nd & 31;
        var bpSize = c.StackSize;
        c.Push(c.R[5], size);
        var frameTemp = c.Sp;
        var bp = c.R[5] & Mask(bpSize);
        for (var i = 1; i < level; i++)
        {
            bp = (bp - (ulong)size) & Mask(bpSize);
            c.Push(c.ReadMem((int)SegmentRegister.Ss, bp, size), size);
        }
        if (level > 0)
            c.Push(frameTemp, size);
        c.WriteReg(bpSize == 8 ? Register.RBP : bpSize == 4 ? Register.EBP : Register.BP, frameTemp);
        c.SetSp(c.Sp - frameSize);
    }

    public static void Leave(X86Cpu c, ref DecodedInstruction d)
    {
        var size = DataMovement.StackOpSize(c, ref d);
        var bp = c.R[5] & Mask(c.StackSize);
        var v = c.ReadMem((int)SegmentRegister.Ss, bp, size);
        c.SetSp(bp + (ulong)size);
        c.WriteReg(size == 8 ? Register.RBP : size == 4 ? Register.EBP : Register.BP, v);
    }
}
