using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// ROL and ROR by an immediate count, in IL for that count. A rotate changes only CF and OF and keeps the other four
/// arithmetic flags (SDM Vol. 2B RCL/RCR/ROL/ROR, Flags Affected), so where its flags are live it reads those of the
/// producer before it: in IL from the locals when that producer is known here, through the interpreter's evaluation
/// otherwise. Left to the interpreter, each rotate in the kernel's hashes and ciphers (chacha_permute, sha1_transform,
/// jhash) ended its block: 7.3 M interpreted rotates on the PVH boot to /init, each a block exit and entry.
/// </summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo ArithFlagsMethod = Runtime(nameof(CompiledRuntime.ArithFlags));

    private void EmitRotate(in GuestNode node, int size)
    {
        var bits = size * 8;
        var n = GuestBlock.ShiftCount(in node.D) % bits; // a count of a whole width (ROL r8, 8) rotates nothing but still sets CF and OF
        EmitReadOperand(in node, 0, size);
        var a = Store();
        var flags = Temp();
        _il.Emit(OpCodes.Ldloc, a);
        if (n != 0)
        {
            var left = node.Op == GuestOp.Rol;
            _il.Emit(OpCodes.Ldc_I4, n);
            _il.Emit(left ? OpCodes.Shl : OpCodes.Shr_Un);
            _il.Emit(OpCodes.Ldloc, a);
            _il.Emit(OpCodes.Ldc_I4, bits - n);
            _il.Emit(left ? OpCodes.Shr_Un : OpCodes.Shl);
            _il.Emit(OpCodes.Or);
            MaskTo(size);
        }
        var r = Store();
        if (node.FlagsLive)
            EmitRotateFlags(node.Op, size, r, flags);
        EmitWriteOp0(in node, r);
        EmitSetArith(in node, flags);
        Release(a);
        Release(r);
        Release(flags);
    }

    /// <summary>
    /// <paramref name="flags"/> = the flags before the rotate with CF and OF replaced, as the interpreter's ROL and ROR set
    /// them from the result <paramref name="r"/>: ROL CF its low bit, OF its sign XOR CF; ROR CF its sign, OF its two top
    /// bits XORed.
    /// </summary>
    private void EmitRotateFlags(GuestOp op, int size, LocalBuilder r, LocalBuilder flags)
    {
        var bits = size * 8;
        EmitFlagsBefore();
        LdConst(~(FlagBits.CF | FlagBits.OF));
        _il.Emit(OpCodes.And);
        EmitBitOf(r, op == GuestOp.Rol ? 0 : bits - 1); // CF is bit 0
        _il.Emit(OpCodes.Or);
        EmitBitOf(r, bits - 1);
        EmitBitOf(r, op == GuestOp.Rol ? 0 : bits - 2);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2(FlagBits.OF));
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, flags);
    }

    /// <summary>
    /// Pushes the six arithmetic flags of the current producer as RFLAGS bits (CF and OF too, which the caller replaces):
    /// explicit bits as they are; a known operation's ZF, SF and PF from its result and AF from its operands (0 for the
    /// logical ones); an unknown producer through <see cref="CompiledRuntime.ArithFlags"/>.
    /// </summary>
    private void EmitFlagsBefore()
    {
        if (_known && _knownOp == LazyOp.None)
        {
            _il.Emit(OpCodes.Ldloc, _fArith);
            return;
        }
        if (!_known)
        {
            Ld(_fOp, _fA, _fB, _fR, _fAux, _fArith, _fSize);
            _il.Emit(OpCodes.Call, ArithFlagsMethod);
            return;
        }
        EmitZsp(_fR, _knownSize);
        if (_knownOp != LazyOp.Logic)
        {
            Ld(_fA, _fB);
            _il.Emit(OpCodes.Xor);
            _il.Emit(OpCodes.Ldloc, _fR);
            _il.Emit(OpCodes.Xor);
            LdConst(FlagBits.AF);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Or);
        }
    }
}
