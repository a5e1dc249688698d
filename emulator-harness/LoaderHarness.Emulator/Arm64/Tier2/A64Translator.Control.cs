using System.Reflection;
using System.Reflection.Emit;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>Branches: direct ones chain inside the block or exit to their target; BR, BLR and RET exit to the run loop (RET to a BL site of the block stays in it).</summary>
internal sealed partial class A64Translator
{
    private void EmitBranch(in A64Node node)
    {
        ref readonly var d = ref node.D;
        var target = node.Pc + d.Imm;
        switch (node.Op)
        {
            case A64Op.B:
                EmitGoto(target);
                return;
            case A64Op.Bl:
                LdConst(node.Pc + 4);
                StReg(30);
                EmitGoto(target);
                return;
            case A64Op.BCond or A64Op.Cbz or A64Op.Cbnz or A64Op.Tbz or A64Op.Tbnz:
                {
                    var notTaken = _il.DefineLabel();
                    switch (node.Op)
                    {
                        case A64Op.BCond:
                            EmitTest((int)d.Op);
                            _il.Emit(OpCodes.Brfalse, notTaken);
                            break;
                        case A64Op.Cbz or A64Op.Cbnz:
                            LdReg(d.Rn);
                            Width(d.Is64);
                            _il.Emit(node.Op == A64Op.Cbz ? OpCodes.Brtrue : OpCodes.Brfalse, notTaken);
                            break;
                        default:
                            LdReg(d.Rn);
                            _il.Emit(OpCodes.Ldc_I4, (int)d.Size);
                            _il.Emit(OpCodes.Shr_Un);
                            LdConst(1);
                            _il.Emit(OpCodes.And);
                            _il.Emit(node.Op == A64Op.Tbz ? OpCodes.Brtrue : OpCodes.Brfalse, notTaken);
                            break;
                    }
                    EmitGoto(target);
                    _il.MarkLabel(notTaken);
                    EmitGoto(node.Pc + 4);
                    return;
                }
            default:
                {
                    // BR, BLR, RET: the target register is read before BLR writes X30 (BLR X30 branches to the old X30).
                    LdReg(d.Rn);
                    var to = Store();
                    if (node.Op == A64Op.Blr)
                    {
                        LdConst(node.Pc + 4);
                        StReg(30);
                    }
                    if (node.Op == A64Op.Ret)
                        EmitReturnPrediction(_returnSites, to); // a return to a call site of this block stays in it
                    _il.Emit(OpCodes.Ldloc, to);
                    EmitDynamicExit();
                    Release(to);
                    return;
                }
        }
    }
}
