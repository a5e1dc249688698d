using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>Per instruction: the basic block's budget check, the operation, the check after a slow path and where control goes next.</summary>
internal sealed partial class A64Translator
{
    private static readonly MethodInfo AddSubCarryMethod = Method(typeof(A64CompiledRuntime), nameof(A64CompiledRuntime.AddSubCarry));
    private static readonly MethodInfo AddSubCarryNzcvMethod = Method(typeof(A64CompiledRuntime), nameof(A64CompiledRuntime.AddSubCarryNzcv));

    private static MethodInfo Method(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] Type type, string name) => type.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!;

    protected override void EmitNode(int i)
    {
        var node = _nodes[i];
        _il.MarkLabel(LabelOf(i));
        if (node.Leader)
        {
            _known = A64LazyFlags.None; // paths meet here: the producer is known only at run time
            EmitBudgetCheck(node.Pc, node.BlockLength, node.BlockLength);
        }
        if (A64OpClassifier.IsBranch(node.Op))
        {
            EmitBranch(in node);
            return;
        }
        EmitOperation(in node);
        if (A64OpClassifier.TakesSlowPath(node.Op))
            EmitLimitCheck(node.Pc + 4, node.OwnBlockLength - node.IndexInBlock - 1);
        EmitFallThrough(i, node.Pc + 4);
    }

    private void EmitOperation(in A64Node node)
    {
        ref readonly var d = ref node.D;
        switch (node.Op)
        {
            case A64Op.Nop:
                return;
            case A64Op.AddImm or A64Op.SubImm or A64Op.AddsImm or A64Op.SubsImm
                or A64Op.AddSh or A64Op.SubSh or A64Op.AddsSh or A64Op.SubsSh
                or A64Op.AddExt or A64Op.SubExt or A64Op.AddsExt or A64Op.SubsExt:
                EmitAddSub(in node);
                return;
            case A64Op.AddSubCarry:
                {
                    // The result first (it reads the carry in), then the flags of the S forms.
                    EmitExactFlags();
                    LdReg(d.Rn);
                    LdReg(d.Rm);
                    _il.Emit(OpCodes.Ldc_I4, (int)d.Op);
                    LdBool(d.Is64);
                    _il.Emit(OpCodes.Ldloc, _f);
                    _il.Emit(OpCodes.Call, AddSubCarryMethod);
                    var r = Store();
                    if ((d.Op & 2) != 0)
                    {
                        LdReg(d.Rn);
                        LdReg(d.Rm);
                        _il.Emit(OpCodes.Ldc_I4, (int)d.Op);
                        LdBool(d.Is64);
                        _il.Emit(OpCodes.Ldloc, _f);
                        _il.Emit(OpCodes.Call, AddSubCarryNzcvMethod);
                        _il.Emit(OpCodes.Stloc, _f);
                        ClearLazy();
                    }
                    _il.Emit(OpCodes.Ldloc, r);
                    StReg(d.Rd);
                    Release(r);
                    return;
                }
            case A64Op.CondCompare:
                {
                    // CCMP/CCMN: the comparison's flags when the condition holds, else the instruction's own nzcv.
                    var other = _il.DefineLabel();
                    var done = _il.DefineLabel();
                    EmitTest((int)d.Op);
                    _il.Emit(OpCodes.Brfalse, other);
                    var sub = d.Ra != 0;
                    LdReg(d.Rn);
                    var x = Store();
                    if (d.Size != 0)
                        LdConst(d.Imm);
                    else
                        LdReg(d.Rm);
                    var y = Store();
                    _il.Emit(OpCodes.Ldloc, x);
                    _il.Emit(OpCodes.Ldloc, y);
                    _il.Emit(sub ? OpCodes.Sub : OpCodes.Add);
                    Width(d.Is64);
                    var r = Store();
                    EmitAddSubFlags(x, y, r, sub, d.Is64);
                    Release(x);
                    Release(y);
                    Release(r);
                    _il.Emit(OpCodes.Br, done);
                    _il.MarkLabel(other);
                    _il.Emit(OpCodes.Ldc_I4, (int)(d.Imm2 << 28));
                    _il.Emit(OpCodes.Stloc, _f);
                    _il.MarkLabel(done);
                    ClearLazy();
                    return;
                }
            case A64Op.CondSelect:
                {
                    // CSEL, CSINC, CSINV, CSNEG (Ra bit 1 invert, bit 0 increment).
                    var other = _il.DefineLabel();
                    var done = _il.DefineLabel();
                    var r = Temp();
                    EmitTest((int)d.Op);
                    _il.Emit(OpCodes.Brfalse, other);
                    LdReg(d.Rn);
                    _il.Emit(OpCodes.Stloc, r);
                    _il.Emit(OpCodes.Br, done);
                    _il.MarkLabel(other);
                    LdReg(d.Rm);
                    if ((d.Ra & 2) != 0)
                        _il.Emit(OpCodes.Not);
                    if ((d.Ra & 1) != 0)
                    {
                        LdConst(1);
                        _il.Emit(OpCodes.Add);
                    }
                    _il.Emit(OpCodes.Stloc, r);
                    _il.MarkLabel(done);
                    _il.Emit(OpCodes.Ldloc, r);
                    Width(d.Is64);
                    StReg(d.Rd);
                    Release(r);
                    return;
                }
            case A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm
                or A64Op.AndSh or A64Op.OrrSh or A64Op.EorSh or A64Op.AndsSh:
                EmitLogical(in node);
                return;
            case A64Op.Movz:
                LdConst(d.Imm);
                StReg(d.Rd);
                return;
            case A64Op.Movn:
                LdConst(d.Is64 ? ~d.Imm : (uint)~d.Imm);
                StReg(d.Rd);
                return;
            case A64Op.Movk:
                LdReg(d.Rd);
                LdConst(~(0xFFFFUL << d.Size));
                _il.Emit(OpCodes.And);
                LdConst(d.Imm);
                _il.Emit(OpCodes.Or);
                Width(d.Is64);
                StReg(d.Rd);
                return;
            case A64Op.Adr:
                LdConst(node.Pc + d.Imm);
                StReg(d.Rd);
                return;
            case A64Op.Adrp:
                LdConst((node.Pc & ~0xFFFUL) + d.Imm);
                StReg(d.Rd);
                return;
            case A64Op.Helper:
                EmitHelper(in node);
                return;
            default:
                EmitBitsOrMultiply(in node);
                return;
        }
    }

    private void LdBool(bool value) => _il.Emit(value ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);

    /// <summary>The second operand of ADD/SUB and the logical ops: the immediate, Rm shifted, or Rm extended and shifted.</summary>
    private void EmitOperand2(in A64Node node)
    {
        ref readonly var d = ref node.D;
        switch (node.Op)
        {
            case A64Op.AddImm or A64Op.SubImm or A64Op.AddsImm or A64Op.SubsImm
                or A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm:
                LdConst(d.Imm);
                return;
            case A64Op.AddExt or A64Op.SubExt or A64Op.AddsExt or A64Op.SubsExt:
                LdReg(d.Rm);
                EmitExtend((int)d.Op, (int)d.Size);
                return;
            default:
                LdReg(d.Rm);
                if (d.Size != 0 || !d.Is64)
                    EmitShift((int)d.Op, (int)d.Size, d.Is64);
                return;
        }
    }

    private void EmitAddSub(in A64Node node)
    {
        ref readonly var d = ref node.D;
        var sub = node.Op is A64Op.SubImm or A64Op.SubsImm or A64Op.SubSh or A64Op.SubsSh or A64Op.SubExt or A64Op.SubsExt;
        var flags = A64OpClassifier.WritesFlags(node.Op) && node.FlagsLive;
        LdReg(d.Rn);
        var x = Store();
        EmitOperand2(in node);
        var y = Store();
        _il.Emit(OpCodes.Ldloc, x);
        _il.Emit(OpCodes.Ldloc, y);
        _il.Emit(sub ? OpCodes.Sub : OpCodes.Add);
        Width(d.Is64);
        if (flags)
        {
            var r = Store();
            SetLazy(sub ? (d.Is64 ? A64LazyFlags.Sub64 : A64LazyFlags.Sub32) : d.Is64 ? A64LazyFlags.Add64 : A64LazyFlags.Add32, x, y, r);
            _il.Emit(OpCodes.Ldloc, r);
            Release(r);
        }
        StReg(d.Rd);
        Release(x);
        Release(y);
    }

    private void EmitLogical(in A64Node node)
    {
        ref readonly var d = ref node.D;
        var shifted = node.Op is A64Op.AndSh or A64Op.OrrSh or A64Op.EorSh or A64Op.AndsSh;
        LdReg(d.Rn);
        EmitOperand2(in node);
        if (shifted && d.Ra != 0)
            _il.Emit(OpCodes.Not); // BIC, ORN, EON, BICS invert the shifted operand
        _il.Emit(node.Op switch
        {
            A64Op.OrrImm or A64Op.OrrSh => OpCodes.Or,
            A64Op.EorImm or A64Op.EorSh => OpCodes.Xor,
            _ => OpCodes.And,
        });
        Width(d.Is64);
        if (node.Op is A64Op.AndsImm or A64Op.AndsSh && node.FlagsLive)
        {
            var r = Store();
            SetLazy(d.Is64 ? A64LazyFlags.Logic64 : A64LazyFlags.Logic32, null, null, r);
            _il.Emit(OpCodes.Ldloc, r);
            Release(r);
        }
        StReg(d.Rd);
    }
}
