using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// Lazy flags in locals (the interpreter's representation: operation, size, operands, result, carry-in or
/// explicit bits). Where the producing instruction is known at translation time (same basic block) a
/// condition is evaluated from its operands directly, e.g. CMP + JB is one unsigned compare (QEMU TCG's
/// lazy condition codes); otherwise the interpreter's evaluation is called on the locals.
/// </summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo ConditionMethod = Runtime(nameof(CompiledRuntime.Condition));
    private static readonly MethodInfo CarryMethod = Runtime(nameof(CompiledRuntime.Carry));
    private static readonly MethodInfo CarryAdcMethod = Runtime(nameof(CompiledRuntime.CarryAdc));
    private static readonly MethodInfo CarrySbbMethod = Runtime(nameof(CompiledRuntime.CarrySbb));
    private static readonly MethodInfo ParityMethod = Runtime(nameof(CompiledRuntime.Parity));

    /// <summary>Whether the flag producer is known at this point of the translation (<see cref="_knownOp"/>, <see cref="_knownSize"/>).</summary>
    private bool _known;
    private LazyOp _knownOp;
    private int _knownSize;

    /// <summary>Records a lazy flag result; skipped when liveness found the flags dead.</summary>
    private void EmitSetLazy(in GuestNode node, LazyOp op, int size, LocalBuilder? a, LocalBuilder? b, ulong bConst, LocalBuilder r, LocalBuilder? aux)
    {
        _known = true;
        _knownOp = op;
        _knownSize = size;
        _cfHeld = false;
        if (!node.FlagsLive)
            return;
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Stloc, _fOp);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Stloc, _fSize);
        if (a is null)
            LdConst(0);
        else
            _il.Emit(OpCodes.Ldloc, a);
        _il.Emit(OpCodes.Stloc, _fA);
        if (b is null)
            LdConst(bConst);
        else
            _il.Emit(OpCodes.Ldloc, b);
        _il.Emit(OpCodes.Stloc, _fB);
        _il.Emit(OpCodes.Ldloc, r);
        _il.Emit(OpCodes.Stloc, _fR);
        if (aux is not null)
        {
            _il.Emit(OpCodes.Ldloc, aux);
            _il.Emit(OpCodes.Stloc, _fAux);
        }
    }

    /// <summary>Records explicit flag bits (multiplies, shifts).</summary>
    private void EmitSetArith(in GuestNode node, LocalBuilder bits)
    {
        _known = true;
        _knownOp = LazyOp.None;
        _knownSize = 8;
        _cfHeld = false;
        if (!node.FlagsLive)
            return;
        _il.Emit(OpCodes.Ldc_I4, (int)LazyOp.None);
        _il.Emit(OpCodes.Stloc, _fOp);
        _il.Emit(OpCodes.Ldloc, bits);
        _il.Emit(OpCodes.Stloc, _fArith);
    }

    /// <summary>
    /// Pushes all six arithmetic flags of the current producer as RFLAGS bits, as the interpreter's ArithFlags evaluates
    /// them: <see cref="EmitFlagsBefore"/> with CF and OF of a known operation added.
    /// </summary>
    private void EmitArithFlags()
    {
        EmitFlagsBefore();
        if (!_known || _knownOp == LazyOp.None)
            return;
        EmitCarry(); // CF is bit 0
        _il.Emit(OpCodes.Or);
        EmitOf();
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2(FlagBits.OF));
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
    }

    /// <summary>Pushes CF as a ulong 0 or 1.</summary>
    private void EmitCarry()
    {
        if (!_known)
        {
            if (_cfHeld)
            {
                _il.Emit(OpCodes.Ldloc, _cf); // evaluated on the edges into this basic block (X86Translator.Carry.cs)
                return;
            }
            Ld(_fOp, _fA, _fB, _fR, _fAux, _fArith);
            _il.Emit(OpCodes.Call, CarryMethod);
            return;
        }
        switch (_knownOp)
        {
            case LazyOp.None:
                _il.Emit(OpCodes.Ldloc, _fArith);
                LdConst(FlagBits.CF);
                _il.Emit(OpCodes.And);
                break;
            case LazyOp.Add:
                Ld(_fR, _fA);
                _il.Emit(OpCodes.Clt_Un);
                _il.Emit(OpCodes.Conv_U8);
                break;
            case LazyOp.Adc:
                Ld(_fA, _fR, _fAux);
                _il.Emit(OpCodes.Call, CarryAdcMethod);
                break;
            case LazyOp.Sub:
                Ld(_fA, _fB);
                _il.Emit(OpCodes.Clt_Un);
                _il.Emit(OpCodes.Conv_U8);
                break;
            case LazyOp.Sbb:
                Ld(_fA, _fB, _fAux);
                _il.Emit(OpCodes.Call, CarrySbbMethod);
                break;
            case LazyOp.Logic:
                LdConst(0);
                break;
            default: // INC/DEC keep the carry they found in aux
                _il.Emit(OpCodes.Ldloc, _fAux);
                break;
        }
    }

    private void Ld(params LocalBuilder[] locals)
    {
        foreach (var l in locals)
            _il.Emit(OpCodes.Ldloc, l);
    }

    /// <summary>Pushes (int) whether <c>(local &amp; bits) != 0</c>.</summary>
    private void EmitBit(LocalBuilder local, ulong bits)
    {
        _il.Emit(OpCodes.Ldloc, local);
        LdConst(bits);
        _il.Emit(OpCodes.And);
        LdConst(0);
        _il.Emit(OpCodes.Cgt_Un);
    }

    private void EmitZf()
    {
        if (_knownOp == LazyOp.None)
            EmitBit(_fArith, FlagBits.ZF);
        else
        {
            _il.Emit(OpCodes.Ldloc, _fR);
            LdConst(0);
            _il.Emit(OpCodes.Ceq);
        }
    }

    private void EmitSf()
    {
        if (_knownOp == LazyOp.None)
            EmitBit(_fArith, FlagBits.SF);
        else
            EmitBit(_fR, X86Cpu.SignBit(_knownSize));
    }

    private void EmitPf()
    {
        if (_knownOp == LazyOp.None)
            EmitBit(_fArith, FlagBits.PF);
        else
        {
            _il.Emit(OpCodes.Ldloc, _fR);
            _il.Emit(OpCodes.Call, ParityMethod);
        }
    }

    private void EmitOf()
    {
        switch (_knownOp)
        {
            case LazyOp.None:
                EmitBit(_fArith, FlagBits.OF);
                return;
            case LazyOp.Logic:
                _il.Emit(OpCodes.Ldc_I4_0);
                return;
            case LazyOp.Add or LazyOp.Adc or LazyOp.Inc:
                Ld(_fA, _fR);
                _il.Emit(OpCodes.Xor);
                Ld(_fB, _fR);
                _il.Emit(OpCodes.Xor);
                break;
            default:
                Ld(_fA, _fB);
                _il.Emit(OpCodes.Xor);
                Ld(_fA, _fR);
                _il.Emit(OpCodes.Xor);
                break;
        }
        _il.Emit(OpCodes.And);
        LdConst(X86Cpu.SignBit(_knownSize));
        _il.Emit(OpCodes.And);
        LdConst(0);
        _il.Emit(OpCodes.Cgt_Un);
    }

    /// <summary>Pushes (int 0/1) the Jcc/SETcc/CMOVcc condition <paramref name="cc"/> on the current flags.</summary>
    private void EmitCondition(ConditionCode cc)
    {
        if (!_known)
        {
            _il.Emit(OpCodes.Ldc_I4, (int)cc);
            Ld(_fOp, _fA, _fB, _fR, _fAux, _fArith, _fSize);
            _il.Emit(OpCodes.Call, ConditionMethod);
            return;
        }
        if (_knownOp == LazyOp.Sub && EmitCompare(cc))
            return;
        var positive = ((int)cc & 1) == 1;
        var basic = positive ? cc : cc - 1;
        switch (basic)
        {
            case ConditionCode.o:
                EmitOf();
                break;
            case ConditionCode.b:
                EmitCarry();
                _il.Emit(OpCodes.Conv_I4);
                break;
            case ConditionCode.e:
                EmitZf();
                break;
            case ConditionCode.be:
                EmitCarry();
                _il.Emit(OpCodes.Conv_I4);
                EmitZf();
                _il.Emit(OpCodes.Or);
                break;
            case ConditionCode.s:
                EmitSf();
                break;
            case ConditionCode.p:
                EmitPf();
                break;
            case ConditionCode.l:
                EmitSf();
                EmitOf();
                _il.Emit(OpCodes.Xor);
                break;
            default: // le
                EmitSf();
                EmitOf();
                _il.Emit(OpCodes.Xor);
                EmitZf();
                _il.Emit(OpCodes.Or);
                break;
        }
        if (!positive)
        {
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Ceq);
        }
    }

    /// <summary>After SUB/CMP/NEG: the condition as one compare of the operands (as the interpreter's shortcut does); false for O/S/P.</summary>
    private bool EmitCompare(ConditionCode cc)
    {
        var signed = cc is ConditionCode.l or ConditionCode.ge or ConditionCode.le or ConditionCode.g;
        if (cc is not (ConditionCode.e or ConditionCode.ne or ConditionCode.b or ConditionCode.ae or ConditionCode.be or ConditionCode.a) && !signed)
            return false;
        var shift = 64 - _knownSize * 8;
        foreach (var l in new[] { _fA, _fB })
        {
            _il.Emit(OpCodes.Ldloc, l);
            if (signed && shift != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, shift);
                _il.Emit(OpCodes.Shl);
            }
        }
        switch (cc)
        {
            case ConditionCode.e:
            case ConditionCode.ne:
                _il.Emit(OpCodes.Ceq);
                break;
            case ConditionCode.b:
            case ConditionCode.ae:
                _il.Emit(OpCodes.Clt_Un);
                break;
            case ConditionCode.be:
            case ConditionCode.a:
                _il.Emit(OpCodes.Cgt_Un);
                break;
            case ConditionCode.l:
            case ConditionCode.ge:
                _il.Emit(OpCodes.Clt);
                break;
            default:
                _il.Emit(OpCodes.Cgt);
                break;
        }
        if (cc is ConditionCode.ne or ConditionCode.ae or ConditionCode.be or ConditionCode.ge or ConditionCode.le)
        {
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Ceq);
        }
        return true;
    }
}
