using System.Reflection;
using System.Reflection.Emit;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// Lazy NZCV, as QEMU TCG keeps its condition codes: ADDS, SUBS (CMP, CMN) and ANDS (TST) store their operands,
/// their result and what they were (<see cref="A64LazyFlags"/>) in locals instead of computing the four flags. A
/// conditional branch, CSEL or CCMP that follows its producer in the same basic block tests the operands directly
/// (CMP x, y; B.HI is one unsigned compare); anything else that reads NZCV — a condition whose producer the
/// translator does not know, ADC/SBC, an exit, a spill before a slow path — materialises it first with the
/// interpreter's own flag functions (<see cref="A64CompiledRuntime.Materialize"/>), so the flags the CPU holds at
/// every exit and fault are the interpreter's.
/// </summary>
internal sealed partial class A64Translator
{
    private static readonly MethodInfo MaterializeMethod = Method(typeof(A64CompiledRuntime), nameof(A64CompiledRuntime.Materialize));

    /// <summary>The lazy state's locals: kind, operands and result.</summary>
    private LocalBuilder _fk = null!, _fx = null!, _fy = null!, _fr = null!;

    /// <summary>The producer of the lazy state where the translator knows it (inside one basic block), else <see cref="A64LazyFlags.None"/>.</summary>
    private A64LazyFlags _known;

    private void DeclareFlags()
    {
        _f = _il.DeclareLocal(typeof(uint));
        _fk = _il.DeclareLocal(typeof(int));
        _fx = _il.DeclareLocal(typeof(ulong));
        _fy = _il.DeclareLocal(typeof(ulong));
        _fr = _il.DeclareLocal(typeof(ulong));
    }

    /// <summary>Records a flag-setting result lazily: kind, operands <paramref name="x"/> and <paramref name="y"/> (null for a logical op), result <paramref name="r"/>.</summary>
    private void SetLazy(A64LazyFlags kind, LocalBuilder? x, LocalBuilder? y, LocalBuilder r)
    {
        if (x is not null)
        {
            _il.Emit(OpCodes.Ldloc, x);
            _il.Emit(OpCodes.Stloc, _fx);
        }
        if (y is not null)
        {
            _il.Emit(OpCodes.Ldloc, y);
            _il.Emit(OpCodes.Stloc, _fy);
        }
        _il.Emit(OpCodes.Ldloc, r);
        _il.Emit(OpCodes.Stloc, _fr);
        _il.Emit(OpCodes.Ldc_I4, (int)kind);
        _il.Emit(OpCodes.Stloc, _fk);
        _known = kind;
    }

    /// <summary>Makes the NZCV local exact (a call only when the lazy state is set) and forgets the producer.</summary>
    private void EmitMaterialize()
    {
        EmitMaterializeLocal();
        _known = A64LazyFlags.None;
    }

    /// <summary>Makes the NZCV local exact where the state is lazy, clearing the lazy kind, without touching what the translator knows (the shared exit and spill).</summary>
    private void EmitMaterializeLocal()
    {
        var exact = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _fk);
        _il.Emit(OpCodes.Brfalse, exact);
        _il.Emit(OpCodes.Ldloc, _fk);
        _il.Emit(OpCodes.Ldloc, _fx);
        _il.Emit(OpCodes.Ldloc, _fy);
        _il.Emit(OpCodes.Ldloc, _fr);
        _il.Emit(OpCodes.Ldloc, _f);
        _il.Emit(OpCodes.Call, MaterializeMethod);
        _il.Emit(OpCodes.Stloc, _f);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _fk);
        _il.MarkLabel(exact);
    }

    /// <summary>Before ADC/SBC, which read the carry: NZCV exact, computed inline from a known ADDS/SUBS (the carry chains of multi-word arithmetic), else materialised.</summary>
    private void EmitExactFlags()
    {
        if (_known is A64LazyFlags.Add64 or A64LazyFlags.Add32 or A64LazyFlags.Sub64 or A64LazyFlags.Sub32)
        {
            EmitAddSubFlags(_fx, _fy, _fr, _known is A64LazyFlags.Sub64 or A64LazyFlags.Sub32, _known is A64LazyFlags.Add64 or A64LazyFlags.Sub64);
            ClearLazy();
            return;
        }
        EmitMaterialize();
    }

    /// <summary>After an instruction that writes the NZCV local itself (ADCS, CCMP): no lazy state.</summary>
    private void ClearLazy()
    {
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _fk);
        _known = A64LazyFlags.None;
    }

    /// <summary>Pushes 1 when condition <paramref name="cond"/> holds: straight from the known producer's operands where it can, else from materialised NZCV.</summary>
    private void EmitTest(int cond)
    {
        if (cond >= 14)
        {
            _il.Emit(OpCodes.Ldc_I4_1);
            return;
        }
        if (!EmitKnownTest(cond >> 1))
        {
            EmitMaterialize();
            EmitCondition(cond);
            return;
        }
        if ((cond & 1) != 0)
        {
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Xor);
        }
    }

    /// <summary>
    /// The even condition <paramref name="pair"/> (EQ, CS, MI, VS, HI, GE, GT as 0–6) from the known producer, by the
    /// definitions of the flags (Arm ARM C1.2.4, condition code table): after SUBS x, y, Z is x = y, C is x ≥ y
    /// unsigned, C ∧ ¬Z is x &gt; y unsigned, N = V is x ≥ y signed; after any producer Z is result = 0 and N its top bit.
    /// False when this producer needs the flags themselves.
    /// </summary>
    private bool EmitKnownTest(int pair)
    {
        var is64 = _known is A64LazyFlags.Add64 or A64LazyFlags.Sub64 or A64LazyFlags.Logic64;
        var sub = _known is A64LazyFlags.Sub64 or A64LazyFlags.Sub32;
        if (_known == A64LazyFlags.None)
            return false;
        switch (pair)
        {
            case 0:
                LdWidth(_fr, is64);
                if (is64)
                    LdConst(0);
                else
                    _il.Emit(OpCodes.Ldc_I4_0);
                _il.Emit(OpCodes.Ceq);
                return true;
            case 2:
                _il.Emit(OpCodes.Ldloc, _fr);
                _il.Emit(OpCodes.Ldc_I4, is64 ? 63 : 31);
                _il.Emit(OpCodes.Shr_Un);
                _il.Emit(OpCodes.Conv_I4);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.And);
                return true;
            case 1 or 4 or 5 or 6 when sub:
                LdWidth(_fx, is64);
                if (!is64 && pair is 5 or 6)
                    _il.Emit(OpCodes.Conv_I4); // the signed compares see the 32-bit values as Int32
                LdWidth(_fy, is64);
                if (!is64 && pair is 5 or 6)
                    _il.Emit(OpCodes.Conv_I4);
                switch (pair)
                {
                    case 1: // CS: x >= y unsigned
                        _il.Emit(OpCodes.Clt_Un);
                        _il.Emit(OpCodes.Ldc_I4_1);
                        _il.Emit(OpCodes.Xor);
                        break;
                    case 4: // HI: x > y unsigned
                        _il.Emit(OpCodes.Cgt_Un);
                        break;
                    case 5: // GE: x >= y signed
                        _il.Emit(OpCodes.Clt);
                        _il.Emit(OpCodes.Ldc_I4_1);
                        _il.Emit(OpCodes.Xor);
                        break;
                    default: // GT: x > y signed
                        _il.Emit(OpCodes.Cgt);
                        break;
                }
                return true;
            default:
                return false;
        }
    }
}

/// <summary>What the lazy NZCV locals of a compiled A64 block hold (<see cref="A64CompiledRuntime.Materialize"/>).</summary>
internal enum A64LazyFlags
{
    /// <summary>The NZCV local is exact.</summary>
    None,
    Add64,
    Add32,
    Sub64,
    Sub32,
    Logic64,
    Logic32,
}
