using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// SHL, SHR and SAR. By an immediate count the result and its flags are written out in IL for that count, with
/// no call: the flags of a shift are live wherever a later access might fault before they are overwritten, and
/// a call there (its flag helper was not inlined into a large block) made RyuJIT spill every caller-saved
/// register around it on the fast path.
/// </summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo ShlMethod = Runtime(nameof(CompiledRuntime.Shl));
    private static readonly MethodInfo ShrMethod = Runtime(nameof(CompiledRuntime.Shr));
    private static readonly MethodInfo SarMethod = Runtime(nameof(CompiledRuntime.Sar));
    private static readonly MethodInfo PopCountMethod = typeof(BitOperations).GetMethod(nameof(BitOperations.PopCount), [typeof(uint)])!;

    private void EmitShift(in GuestNode node, int size)
    {
        var count = GuestBlock.ShiftCount(in node.D);
        EmitReadOperand(in node, 0, size);
        var a = Store();
        var flags = Temp();
        _il.Emit(OpCodes.Ldloc, a);
        if (node.Op == GuestOp.Sar)
        {
            EmitSignExtend(size);
        }
        // The masked count is below 64 (1–31, or 1–63 with REX.W), so the IL shift is the x86 one; a result shifted
        // past the operand's width is masked to 0 as the interpreter computes it.
        _il.Emit(OpCodes.Ldc_I4, count);
        _il.Emit(node.Op switch { GuestOp.Shl => OpCodes.Shl, GuestOp.Shr => OpCodes.Shr_Un, _ => OpCodes.Shr });
        MaskTo(size);
        var r = Store();
        if (node.FlagsLive)
            EmitShiftFlags(node.Op, size, count, a, r, flags);
        EmitWriteOp0(in node, r);
        EmitSetArith(in node, flags);
        Release(a);
        Release(r);
        Release(flags);
    }

    /// <summary>Sign-extends the value on the IL stack from <paramref name="size"/> bytes to 64 bits.</summary>
    private void EmitSignExtend(int size)
    {
        _il.Emit(size switch { 1 => OpCodes.Conv_I1, 2 => OpCodes.Conv_I2, 4 => OpCodes.Conv_I4, _ => OpCodes.Nop });
        _il.Emit(OpCodes.Conv_I8);
    }

    /// <summary>
    /// <paramref name="flags"/> = the six arithmetic flags of a shift by the constant <paramref name="count"/> (1–63) of
    /// <paramref name="a"/> into <paramref name="r"/>, as the interpreter's SHL/SHR/SAR set them: ZF, SF and PF from the
    /// result, CF the last bit shifted out, OF for SHL the result's sign XOR CF, for SHR the operand's sign, for SAR 0,
    /// AF 0 (SDM Vol. 2B SAL/SAR/SHL/SHR, Flags Affected).
    /// </summary>
    private void EmitShiftFlags(GuestOp op, int size, int count, LocalBuilder a, LocalBuilder r, LocalBuilder flags)
    {
        var bits = size * 8;
        switch (op)
        {
            case GuestOp.Shl when count > bits:
                LdConst(0);
                break;
            case GuestOp.Shl:
                EmitBitOf(a, bits - count);
                break;
            case GuestOp.Shr:
                EmitBitOf(a, count - 1);
                break;
            default:
                _il.Emit(OpCodes.Ldloc, a);
                EmitSignExtend(size);
                _il.Emit(OpCodes.Ldc_I4, Math.Min(count - 1, 63));
                _il.Emit(OpCodes.Shr);
                LdConst(1);
                _il.Emit(OpCodes.And);
                break;
        }
        var cf = Store();
        EmitZsp(r, size);
        _il.Emit(OpCodes.Ldloc, cf);
        _il.Emit(OpCodes.Or);
        if (op != GuestOp.Sar)
        {
            if (op == GuestOp.Shl)
            {
                EmitBitOf(r, bits - 1);
                _il.Emit(OpCodes.Ldloc, cf);
                _il.Emit(OpCodes.Xor);
            }
            else
                EmitBitOf(a, bits - 1);
            _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2(FlagBits.OF));
            _il.Emit(OpCodes.Shl);
            _il.Emit(OpCodes.Or);
        }
        _il.Emit(OpCodes.Stloc, flags);
        Release(cf);
    }

    /// <summary>Pushes bit <paramref name="bit"/> (0–63) of <paramref name="local"/> as a ulong 0 or 1.</summary>
    private void EmitBitOf(LocalBuilder local, int bit)
    {
        _il.Emit(OpCodes.Ldloc, local);
        if (bit != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, bit);
            _il.Emit(OpCodes.Shr_Un);
        }
        LdConst(1);
        _il.Emit(OpCodes.And);
    }

    /// <summary>Pushes ZF, SF and PF of <paramref name="r"/> (masked to <paramref name="size"/>) as RFLAGS bits (SDM Vol. 1 §3.4.3.1).</summary>
    private void EmitZsp(LocalBuilder r, int size)
    {
        _il.Emit(OpCodes.Ldloc, r);
        LdConst(0);
        _il.Emit(OpCodes.Ceq);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2(FlagBits.ZF));
        _il.Emit(OpCodes.Shl);
        EmitBitOf(r, size * 8 - 1);
        _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2(FlagBits.SF));
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
        // PF: set when the low byte holds an even number of one bits.
        _il.Emit(OpCodes.Ldloc, r);
        _il.Emit(OpCodes.Conv_U1);
        _il.Emit(OpCodes.Call, PopCountMethod);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2(FlagBits.PF));
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
    }

    /// <summary>
    /// SHL/SHR/SAR by CL: the count is masked to 5 bits (6 with REX.W); a masked count of 0 changes nothing,
    /// not the destination, not the flags, and does not touch a memory operand (SDM Vol. 2B SAL/SAR/SHL/SHR,
    /// "If the count is 0, the flags are not affected"), as the interpreter's handler returns early.
    /// </summary>
    private void EmitShiftByCl(in GuestNode node, int size)
    {
        var skip = _il.DefineLabel();
        EmitReadGpr(Register.CL);
        LdConst(size == 8 ? 0x3FUL : 0x1FUL);
        _il.Emit(OpCodes.And);
        var count = Store();
        _il.Emit(OpCodes.Ldloc, count);
        _il.Emit(OpCodes.Brfalse, skip);
        EmitReadOperand(in node, 0, size);
        var a = Store();
        var flags = Temp();
        _il.Emit(OpCodes.Ldloc, a);
        _il.Emit(OpCodes.Ldloc, count);
        _il.Emit(OpCodes.Conv_I4);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Ldloca, flags);
        _il.Emit(OpCodes.Call, node.Op switch { GuestOp.ShlCl => ShlMethod, GuestOp.ShrCl => ShrMethod, _ => SarMethod });
        var r = Store();
        EmitWriteOp0(in node, r);
        EmitSetArith(in node, flags);
        _il.MarkLabel(skip);
        _known = false; // which producer holds the flags now depends on the count
        _cfHeld = false;
        Release(a);
        Release(r);
        Release(flags);
        Release(count);
    }
}
