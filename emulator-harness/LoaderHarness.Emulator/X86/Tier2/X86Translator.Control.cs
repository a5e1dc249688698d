using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>Branches, calls, returns, pushes, pops and the flag-reading moves (SETcc, CMOVcc).</summary>
internal sealed partial class X86Translator
{
    private static readonly System.Reflection.FieldInfo FlagsRestField = Field(nameof(X86Cpu.FlagsRest));

    /// <summary>Push/pop width: 64-bit mode pushes 8 bytes unless 0x66 asks for 2 (SDM Vol. 1 §6.2.5).</summary>
    private int StackOpSize(in DecodedInstruction d) => _mode64 ? (d.OpAttr == 2 ? 2 : 8) : d.OpAttr;

    private void EmitControlOrStack(in GuestNode node)
    {
        ref readonly var d = ref node.D;
        switch (node.Op)
        {
            case GuestOp.Jcc:
                {
                    var notTaken = _il.DefineLabel();
                    EmitCondition(d.I.ConditionCode);
                    _il.Emit(OpCodes.Brfalse, notTaken);
                    EmitGoto(d.Target);
                    _il.MarkLabel(notTaken);
                    EmitGoto(d.NextIP);
                    return;
                }
            case GuestOp.Jmp:
                EmitGoto(d.Target);
                return;
            case GuestOp.Call:
                LdConst(d.NextIP);
                EmitPush(in node, StackOpSize(in d));
                EmitGoto(d.Target);
                return;
            case GuestOp.CallIndirect:
                {
                    // The target is read before the push (SDM Vol. 2A CALL; ControlFlow.Call): CALL [RSP] reads the old top.
                    var size = StackOpSize(in d);
                    EmitReadOperand(in node, 0, size);
                    var target = Store();
                    LdConst(d.NextIP);
                    EmitPush(in node, size);
                    _il.Emit(OpCodes.Ldloc, target);
                    EmitDynamicExit();
                    Release(target);
                    return;
                }
            case GuestOp.Ret:
                {
                    var size = StackOpSize(in d);
                    var sp = StackPointer();
                    EmitLoad(in node, (int)SegmentRegister.Ss, sp, size);
                    var target = Store();
                    _il.Emit(OpCodes.Ldloc, sp);
                    LdConst((ulong)size + (d.I.OpCount > 0 ? d.I.Immediate16 : 0u));
                    _il.Emit(OpCodes.Add);
                    SetStackPointer();
                    // Return prediction: a return to a call site of this block stays in the block.
                    EmitReturnPrediction(_returnSites, target);
                    _il.Emit(OpCodes.Ldloc, target);
                    EmitDynamicExit();
                    Release(sp);
                    Release(target);
                    return;
                }
            case GuestOp.Push:
                if (d.I.Op0Kind == OpKind.Register)
                    EmitReadGpr(d.I.Op0Register);
                else
                    LdConst(d.I.GetImmediate(0));
                EmitPush(in node, StackOpSize(in d));
                return;
            case GuestOp.Pushf:
                // RFLAGS with VM and RF read as 0 in the image pushed (SDM Vol. 2B PUSHF; DataMovement.Pushf). The bits
                // besides the arithmetic flags change only in instructions left to the interpreter, so the CPU's are current.
                EmitArithFlags();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldfld, FlagsRestField);
                _il.Emit(OpCodes.Or);
                LdConst(~(FlagBits.VM | FlagBits.RF));
                _il.Emit(OpCodes.And);
                EmitPush(in node, StackOpSize(in d));
                return;
            case GuestOp.Pop:
                {
                    var size = StackOpSize(in d);
                    var sp = StackPointer();
                    EmitLoad(in node, (int)SegmentRegister.Ss, sp, size);
                    var v = Store();
                    _il.Emit(OpCodes.Ldloc, sp);
                    LdConst((ulong)size);
                    _il.Emit(OpCodes.Add);
                    SetStackPointer();
                    EmitWriteGpr(d.I.Op0Register, v); // after RSP moved: POP RSP loads the popped value (SDM Vol. 2B POP)
                    Release(sp);
                    Release(v);
                    return;
                }
            case GuestOp.Setcc:
                {
                    EmitCondition(d.I.ConditionCode);
                    _il.Emit(OpCodes.Conv_U8);
                    var v = Store();
                    EmitWriteOp0(in node, v);
                    Release(v);
                    return;
                }
            case GuestOp.Cmovcc:
                {
                    // The source is read whether or not the condition holds (SDM Vol. 2A CMOVcc).
                    EmitReadOperand(in node, 1, d.OpSize);
                    var v = Store();
                    var no = _il.DefineLabel();
                    var done = _il.DefineLabel();
                    EmitCondition(d.I.ConditionCode);
                    _il.Emit(OpCodes.Brfalse, no);
                    EmitWriteGpr(d.I.Op0Register, v);
                    _il.Emit(OpCodes.Br, done);
                    _il.MarkLabel(no);
                    if (d.OpSize == 4)
                    {
                        // A 32-bit CMOVcc zero-extends its destination even when the condition is false.
                        EmitReadGpr(d.I.Op0Register);
                        _il.Emit(OpCodes.Stloc, v);
                        EmitWriteGpr(d.I.Op0Register, v);
                    }
                    _il.MarkLabel(done);
                    Release(v);
                    return;
                }
            default:
                throw new InvalidOperationException($"no translation for {node.Op}");
        }
    }

    /// <summary>A new temp holding RSP/ESP at the stack width.</summary>
    private LocalBuilder StackPointer()
    {
        _il.Emit(OpCodes.Ldloc, _g[4]);
        MaskTo(_stackSize);
        return Store();
    }

    /// <summary>Sets RSP/ESP from the value on the stack at the stack width (compiled code never runs with a 16-bit stack).</summary>
    private void SetStackPointer()
    {
        MaskTo(_stackSize);
        _il.Emit(OpCodes.Stloc, _g[4]);
    }

    /// <summary>Pushes the value on the IL stack: the store first, RSP moves only when it succeeded.</summary>
    private void EmitPush(in GuestNode node, int size)
    {
        var v = Store();
        _il.Emit(OpCodes.Ldloc, _g[4]);
        LdConst((ulong)size);
        _il.Emit(OpCodes.Sub);
        MaskTo(_stackSize);
        var sp = Store();
        EmitStore(in node, (int)SegmentRegister.Ss, sp, size, v);
        _il.Emit(OpCodes.Ldloc, sp);
        SetStackPointer();
        Release(v);
        Release(sp);
    }
}
