using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>Per instruction: the basic block's budget check, the operation, the check after a slow path, and where control goes next.</summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo ImulMethod = Runtime(nameof(CompiledRuntime.Imul));

    protected override void EmitNode(int i)
    {
        var node = _nodes[i];
        _il.MarkLabel(LabelOf(i));
        _exitNode = node;
        if (node.Leader)
        {
            EnterLeaderFlags(i); // before the budget check: its exit writes the flags back as they are at the leader
            EmitLeaderCount(i);
            _cfHeld = _cfIn[i]; // every edge into it set _cf (X86Translator.Carry.cs)
        }
        if (GuestOpClassifier.EndsBlock(node.Op))
        {
            EmitCarryEdges(in node); // a control transfer leaves the flags as they are
            EmitOperation(in node);
            return;
        }
        var (knownBefore, opBefore, sizeBefore) = (_known, _knownOp, _knownSize);
        EmitOperation(in node);
        CheckProducer(in node, knownBefore, opBefore, sizeBefore);
        // After the last instruction of a basic block the check is left out: what follows is an exit, or a basic block
        // that checks the budget (FindChecks) and leaves at the same boundary, with the same count, whenever this check would.
        if (node.MayTakeSlowPath && node.IndexInBlock < node.OwnBlockLength - 1)
            EmitLimitCheck(node.D.NextIP, node.OwnBlockLength - node.IndexInBlock - 1);
        EmitCarryEdges(in node);
        EmitFallThrough(i, node.D.NextIP);
    }

    private void EmitOperation(in GuestNode node)
    {
        ref readonly var d = ref node.D;
        var size = (int)d.OpSize;
        switch (node.Op)
        {
            case GuestOp.Nop:
                return;
            case GuestOp.Mov:
                {
                    EmitReadOperand(in node, 1, size);
                    var v = Store();
                    EmitWriteOp0(in node, v);
                    Release(v);
                    return;
                }
            case GuestOp.Movzx:
            case GuestOp.Movsx:
                {
                    var source = d.I.Op1Kind == OpKind.Register ? X86Cpu.RegisterSize(d.I.Op1Register) : d.MemSize;
                    EmitReadOperand(in node, 1, source);
                    if (node.Op == GuestOp.Movsx)
                    {
                        _il.Emit(source switch { 1 => OpCodes.Conv_I1, 2 => OpCodes.Conv_I2, 4 => OpCodes.Conv_I4, _ => OpCodes.Nop });
                        _il.Emit(OpCodes.Conv_I8);
                        MaskTo(size);
                    }
                    var v = Store();
                    EmitWriteGpr(d.I.Op0Register, v);
                    Release(v);
                    return;
                }
            case GuestOp.Lea:
                {
                    EmitEa(in d);
                    var v = Store();
                    EmitWriteGpr(d.I.Op0Register, v);
                    Release(v);
                    return;
                }
            case GuestOp.Add or GuestOp.Adc or GuestOp.Sub or GuestOp.Sbb or GuestOp.Cmp:
                EmitArithmetic(in node, size);
                return;
            case GuestOp.And or GuestOp.Or or GuestOp.Xor or GuestOp.Test:
                EmitLogic(in node, size);
                return;
            case GuestOp.Inc or GuestOp.Dec or GuestOp.Neg or GuestOp.Not:
                EmitUnary(in node, size);
                return;
            case GuestOp.Shl or GuestOp.Shr or GuestOp.Sar:
                EmitShift(in node, size);
                return;
            case GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl:
                EmitShiftByCl(in node, size);
                return;
            case GuestOp.Rol or GuestOp.Ror:
                EmitRotate(in node, size);
                return;
            case GuestOp.Div:
                EmitDiv(in node, size);
                return;
            case GuestOp.MulWide:
                EmitMulWide(in node, size);
                return;
            case GuestOp.ConvertAccumulator:
                EmitConvertAccumulator(d.I.Code);
                return;
            case GuestOp.Bswap:
                EmitBswap(d.I.Op0Register, size);
                return;
            case GuestOp.Imul:
                EmitImul(in node, size);
                return;
            case GuestOp.Cmpxchg:
                EmitCmpxchg(in node, size);
                return;
            case GuestOp.Xadd:
                EmitXadd(in node, size);
                return;
            case GuestOp.CmpxchgDouble:
                EmitCmpxchgDouble(in node);
                return;
            case GuestOp.BitTest:
                EmitBitTest(in node, size);
                return;
            case GuestOp.Stos or GuestOp.Movs:
                EmitString(in node);
                return;
            default:
                EmitControlOrStack(in node);
                return;
        }
    }

    private void EmitArithmetic(in GuestNode node, int size)
    {
        EmitReadOperand(in node, 0, size);
        var a = Store();
        EmitReadOperand(in node, 1, size);
        var b = Store();
        LocalBuilder? carry = null;
        if (node.Op is GuestOp.Adc or GuestOp.Sbb)
        {
            EmitCarry();
            carry = Store();
        }
        Ld(a, b);
        _il.Emit(node.Op is GuestOp.Add or GuestOp.Adc ? OpCodes.Add : OpCodes.Sub);
        if (carry is not null)
        {
            _il.Emit(OpCodes.Ldloc, carry);
            _il.Emit(node.Op == GuestOp.Adc ? OpCodes.Add : OpCodes.Sub);
        }
        MaskTo(size);
        var r = Store();
        if (node.Op != GuestOp.Cmp)
            EmitWriteOp0(in node, r);
        var op = node.Op switch
        {
            GuestOp.Add => LazyOp.Add,
            GuestOp.Adc => LazyOp.Adc,
            GuestOp.Sbb => LazyOp.Sbb,
            _ => LazyOp.Sub,
        };
        EmitSetLazy(in node, op, size, a, b, 0, r, carry);
        Release(a);
        Release(b);
        Release(r);
        if (carry is not null)
            Release(carry);
    }

    private void EmitLogic(in GuestNode node, int size)
    {
        EmitReadOperand(in node, 0, size);
        var a = Store(); // the IL stack is empty whenever a slow path may branch to a shared exit
        EmitReadOperand(in node, 1, size);
        _il.Emit(OpCodes.Ldloc, a);
        _il.Emit(node.Op switch { GuestOp.Or => OpCodes.Or, GuestOp.Xor => OpCodes.Xor, _ => OpCodes.And });
        Release(a);
        var r = Store();
        if (node.Op != GuestOp.Test)
            EmitWriteOp0(in node, r);
        EmitSetLazy(in node, LazyOp.Logic, size, null, null, 0, r, null);
        Release(r);
    }

    private void EmitUnary(in GuestNode node, int size)
    {
        EmitReadOperand(in node, 0, size);
        var a = Store();
        switch (node.Op)
        {
            case GuestOp.Not:
                _il.Emit(OpCodes.Ldloc, a);
                _il.Emit(OpCodes.Not);
                break;
            case GuestOp.Neg:
                LdConst(0);
                _il.Emit(OpCodes.Ldloc, a);
                _il.Emit(OpCodes.Sub);
                break;
            default:
                _il.Emit(OpCodes.Ldloc, a);
                LdConst(1);
                _il.Emit(node.Op == GuestOp.Inc ? OpCodes.Add : OpCodes.Sub);
                break;
        }
        MaskTo(size);
        var r = Store();
        EmitWriteOp0(in node, r);
        if (node.Op == GuestOp.Neg)
            EmitSetLazy(in node, LazyOp.Sub, size, null, a, 0, r, null);
        else if (node.Op != GuestOp.Not)
        {
            // INC/DEC keep CF: the carry of the flags before them rides along in aux (SDM Vol. 2A INC, DEC).
            EmitCarry();
            var carry = Store();
            EmitSetLazy(in node, node.Op == GuestOp.Inc ? LazyOp.Inc : LazyOp.Dec, size, a, null, 1, r, carry);
            Release(carry);
        }
        Release(a);
        Release(r);
    }

    private void EmitImul(in GuestNode node, int size)
    {
        ref readonly var d = ref node.D;
        if (d.I.OpCount == 2)
        {
            EmitReadOperand(in node, 1, size);
            var y = Store();
            EmitReadOperand(in node, 0, size);
            _il.Emit(OpCodes.Ldloc, y);
            Release(y);
        }
        else
        {
            EmitReadOperand(in node, 1, size);
            LdConst(d.I.GetImmediate(2) & X86Cpu.Mask(size));
        }
        var flags = Temp();
        if (node.FlagsLive)
        {
            _il.Emit(OpCodes.Ldc_I4, size);
            _il.Emit(OpCodes.Ldloca, flags);
            _il.Emit(OpCodes.Call, ImulMethod);
        }
        else
        {
            // Flags dead: the truncated product only, whose low bits are those of the unsigned product of the
            // zero-extended operands (SDM Vol. 2A IMUL: the lower half of the product is the same for signed and unsigned operands).
            _il.Emit(OpCodes.Mul);
            MaskTo(size);
        }
        var r = Store();
        EmitWriteGpr(d.I.Op0Register, r);
        EmitSetArith(in node, flags);
        Release(r);
        Release(flags);
    }
}
