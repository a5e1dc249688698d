using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// The operations every block is full of, emitted as IL already specialised to the instruction's constant fields
/// (condition, shift type and amount, extend option, width, access size) rather than as calls to the interpreter's
/// generic helpers. RyuJIT would inline and fold those helpers to the same code, but importing, inlining and folding
/// them (with the temps each inlinee adds) was most of the JIT time per compiled block; the bits computed are the
/// interpreter's (<see cref="Arm64Cpu.Holds"/>, <see cref="Arithmetic.Shift"/>, <see cref="Arithmetic.Extend"/>,
/// <see cref="Arm64Cpu.AddFlags64"/>, <see cref="SoftMmu.TryLoad"/>), and the differential tests compare both tiers.
/// </summary>
internal sealed unsafe partial class A64Translator
{

    private LocalBuilder? _entry;

    /// <summary>
    /// Pushes 1 when condition <paramref name="cond"/> holds for the NZCV local, else 0 (ConditionHolds, Arm ARM
    /// J1.2.4 shared/functions/system/ConditionHolds: N is bit 31, Z 30, C 29, V 28; AL and NV always hold).
    /// </summary>
    private void EmitCondition(int cond)
    {
        switch (cond >> 1)
        {
            case 0: FlagBit(30); break; // EQ: Z
            case 1: FlagBit(29); break; // CS: C
            case 2: FlagBit(31); break; // MI: N
            case 3: FlagBit(28); break; // VS: V
            case 4: // HI: C && !Z
                _il.Emit(OpCodes.Ldloc, _f);
                _il.Emit(OpCodes.Ldc_I4, 0x6000_0000);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Ldc_I4, 0x2000_0000);
                _il.Emit(OpCodes.Ceq);
                break;
            case 5: // GE: N == V
                NEqualsV();
                break;
            case 6: // GT: N == V && !Z
                NEqualsV();
                FlagBit(30);
                _il.Emit(OpCodes.Not);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.And);
                break;
            default:
                _il.Emit(OpCodes.Ldc_I4_1);
                return; // AL, NV
        }
        if ((cond & 1) != 0)
        {
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Xor);
        }
    }

    /// <summary>Pushes bit <paramref name="bit"/> of the NZCV local as 0 or 1.</summary>
    private void FlagBit(int bit)
    {
        _il.Emit(OpCodes.Ldloc, _f);
        _il.Emit(OpCodes.Ldc_I4, bit);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.And);
    }

    /// <summary>Pushes 1 when N equals V: NOT (N XOR V), bit 31 against bit 28.</summary>
    private void NEqualsV()
    {
        _il.Emit(OpCodes.Ldloc, _f);
        _il.Emit(OpCodes.Ldloc, _f);
        _il.Emit(OpCodes.Ldc_I4_3);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Ldc_I4, 31);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Xor);
    }

    /// <summary>The value on the stack shifted by constant <paramref name="amount"/> (LSL, LSR, ASR, ROR = <paramref name="type"/> 0–3), as <see cref="Arithmetic.Shift"/>: a 32-bit result comes back zero-extended.</summary>
    private void EmitShift(int type, int amount, bool is64)
    {
        if (!is64)
            _il.Emit(OpCodes.Conv_U4);
        if (amount != 0)
        {
            var width = is64 ? 64 : 32;
            switch (type)
            {
                case 0:
                    _il.Emit(OpCodes.Ldc_I4, amount);
                    _il.Emit(OpCodes.Shl);
                    break;
                case 1:
                    _il.Emit(OpCodes.Ldc_I4, amount);
                    _il.Emit(OpCodes.Shr_Un);
                    break;
                case 2:
                    _il.Emit(OpCodes.Ldc_I4, amount);
                    _il.Emit(OpCodes.Shr);
                    break;
                default:
                    {
                        var v = is64 ? Temp() : _il.DeclareLocal(typeof(uint));
                        _il.Emit(OpCodes.Stloc, v);
                        _il.Emit(OpCodes.Ldloc, v);
                        _il.Emit(OpCodes.Ldc_I4, amount);
                        _il.Emit(OpCodes.Shr_Un);
                        _il.Emit(OpCodes.Ldloc, v);
                        _il.Emit(OpCodes.Ldc_I4, width - amount);
                        _il.Emit(OpCodes.Shl);
                        _il.Emit(OpCodes.Or);
                        if (is64)
                            Release(v);
                        break;
                    }
            }
        }
        if (!is64)
            _il.Emit(OpCodes.Conv_U8);
    }

    /// <summary>The value on the stack extended by <paramref name="option"/> (UXTB … SXTX) and shifted left by <paramref name="shift"/>, as <see cref="Arithmetic.Extend"/>.</summary>
    private void EmitExtend(int option, int shift)
    {
        switch (option)
        {
            case 0: _il.Emit(OpCodes.Conv_U1); _il.Emit(OpCodes.Conv_U8); break;
            case 1: _il.Emit(OpCodes.Conv_U2); _il.Emit(OpCodes.Conv_U8); break;
            case 2: _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); break;
            case 4: _il.Emit(OpCodes.Conv_I1); _il.Emit(OpCodes.Conv_I8); break;
            case 5: _il.Emit(OpCodes.Conv_I2); _il.Emit(OpCodes.Conv_I8); break;
            case 6: _il.Emit(OpCodes.Conv_I4); _il.Emit(OpCodes.Conv_I8); break;
        }
        if (shift != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, shift);
            _il.Emit(OpCodes.Shl);
        }
    }

    /// <summary>
    /// NZCV of ADDS/SUBS of locals <paramref name="x"/> and <paramref name="y"/> with result <paramref name="r"/>
    /// (AddWithCarry, Arm ARM J1.1.3 shared/functions/integer/AddWithCarry): N the sign of the result, Z its zero,
    /// C the unsigned carry out (for SUBS, no borrow: x ≥ y), V the signed overflow, into the NZCV local.
    /// </summary>
    private void EmitAddSubFlags(LocalBuilder x, LocalBuilder y, LocalBuilder r, bool sub, bool is64)
    {
        var top = is64 ? 63 : 31;
        // N: the result's top bit to bit 31.
        _il.Emit(OpCodes.Ldloc, r);
        if (is64)
        {
            _il.Emit(OpCodes.Ldc_I4, 32);
            _il.Emit(OpCodes.Shr_Un);
        }
        _il.Emit(OpCodes.Conv_U4);
        _il.Emit(OpCodes.Ldc_I4, unchecked((int)0x8000_0000));
        _il.Emit(OpCodes.And);
        // Z: the result (its low word for a 32-bit operation) is zero.
        LdWidth(r, is64);
        if (is64)
            LdConst(0);
        else
            _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ceq);
        _il.Emit(OpCodes.Ldc_I4, 30);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
        // C: add carries out when r < x (width-truncated); sub when x >= y.
        if (sub)
        {
            LdWidth(x, is64);
            LdWidth(y, is64);
            _il.Emit(OpCodes.Clt_Un);
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Xor);
        }
        else
        {
            LdWidth(r, is64);
            LdWidth(x, is64);
            _il.Emit(OpCodes.Clt_Un);
        }
        _il.Emit(OpCodes.Ldc_I4, 29);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
        // V: add overflows when x and y agree in sign and r does not; sub when x and y differ and r differs from x.
        _il.Emit(OpCodes.Ldloc, x);
        _il.Emit(OpCodes.Ldloc, y);
        _il.Emit(OpCodes.Xor);
        if (!sub)
            _il.Emit(OpCodes.Not);
        _il.Emit(OpCodes.Ldloc, x);
        _il.Emit(OpCodes.Ldloc, r);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4, top);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Conv_U4);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4, 28);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _f);
    }

    /// <summary>Pushes a ulong local, truncated to 32 bits (as an int32 stack value) for a 32-bit operation.</summary>
    private void LdWidth(LocalBuilder local, bool is64)
    {
        _il.Emit(OpCodes.Ldloc, local);
        if (!is64)
            _il.Emit(OpCodes.Conv_U4);
    }

    /// <summary>The TLB fast path (<see cref="Core.Tiering.BlockFrame.EmitTlbProbe"/>): the host address of the access, or a branch to <paramref name="miss"/>.</summary>
    private LocalBuilder EmitTlbHit(LocalBuilder at, int size, bool store, Label miss)
    {
        _entry ??= _il.DeclareLocal(typeof(TlbEntry*));
        _host ??= _il.DeclareLocal(typeof(byte*));
        EmitTlbProbe(_tlb, at, size, store, _entry, _host, miss);
        return _host;
    }

    private LocalBuilder? _host;
}
