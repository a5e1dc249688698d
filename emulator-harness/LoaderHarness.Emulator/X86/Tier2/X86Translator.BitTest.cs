using System.Numerics;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// BT, BTS, BTR and BTC with a register or immediate bit offset (the kernel's <c>test_bit</c>, <c>set_bit</c> and bitmap
/// walks; 37,000 BT exits on the PVH boot to /init when they were left to the interpreter).
/// </summary>
internal sealed partial class X86Translator
{
    /// <summary>
    /// The bit selected in the base operand goes to CF; BTS, BTR, BTC then set, clear or complement it. A register base takes
    /// the offset modulo its width; a memory base with a register offset addresses the operand-size unit holding the bit,
    /// the signed offset divided by the width from the operand's address (SDM Vol. 2A BT: "Bit(BitBase, BitOffset)"), as
    /// Logic.BitTest computes it. The other arithmetic flags are kept, as the interpreter keeps them (its explicit flags
    /// are those before the instruction with CF replaced).
    /// </summary>
    private void EmitBitTest(in GuestNode node, int size)
    {
        ref readonly var d = ref node.D;
        var bits = size * 8;
        var registerOffset = d.I.Op1Kind == OpKind.Register;
        var immediate = registerOffset ? 0 : d.I.GetImmediate(1);
        LocalBuilder? offset = null;
        if (registerOffset)
        {
            EmitReadGpr(d.I.Op1Register);
            offset = Store();
        }
        LocalBuilder? address = null;
        if (d.I.Op0Kind == OpKind.Register)
            EmitReadGpr(d.I.Op0Register);
        else
        {
            EmitEa(in d);
            if (registerOffset)
            {
                // The signed offset's unit: an arithmetic shift of the offset sign-extended from the operand size, times the size.
                _il.Emit(OpCodes.Ldloc, offset!);
                EmitSignExtend(size);
                _il.Emit(OpCodes.Ldc_I4, BitOperations.Log2((uint)bits));
                _il.Emit(OpCodes.Shr);
                LdConst((ulong)size);
                _il.Emit(OpCodes.Mul);
                _il.Emit(OpCodes.Add);
                if (d.AddrMask != ulong.MaxValue)
                {
                    LdConst(d.AddrMask);
                    _il.Emit(OpCodes.And);
                }
            }
            address = Store();
            EmitLoad(in node, d.Seg, address, size);
        }
        var value = Store();
        _il.Emit(OpCodes.Ldloc, value);
        EmitBitIndex(offset, immediate, bits);
        _il.Emit(OpCodes.Shr_Un);
        LdConst(1);
        _il.Emit(OpCodes.And);
        var bit = Store();
        if (d.I.Mnemonic != Mnemonic.Bt)
        {
            _il.Emit(OpCodes.Ldloc, value);
            LdConst(1);
            EmitBitIndex(offset, immediate, bits);
            _il.Emit(OpCodes.Shl);
            switch (d.I.Mnemonic)
            {
                case Mnemonic.Bts:
                    _il.Emit(OpCodes.Or);
                    break;
                case Mnemonic.Btr:
                    _il.Emit(OpCodes.Not);
                    _il.Emit(OpCodes.And);
                    break;
                default:
                    _il.Emit(OpCodes.Xor);
                    break;
            }
            var result = Store();
            if (address is null)
                EmitWriteGpr(d.I.Op0Register, result);
            else
                EmitStore(in node, d.Seg, address, size, result);
            Release(result);
        }
        var flags = Temp();
        if (node.FlagsLive)
        {
            EmitArithFlags();
            LdConst(~FlagBits.CF);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Ldloc, bit);
            _il.Emit(OpCodes.Or);
            _il.Emit(OpCodes.Stloc, flags);
        }
        EmitSetArith(in node, flags);
        Release(flags);
        Release(bit);
        Release(value);
        if (address is not null)
            Release(address);
        if (offset is not null)
            Release(offset);
    }

    /// <summary>Pushes (int) the bit's index in its unit: the register offset or the immediate modulo the width.</summary>
    private void EmitBitIndex(LocalBuilder? offset, ulong immediate, int bits)
    {
        if (offset is null)
        {
            _il.Emit(OpCodes.Ldc_I4, (int)(immediate & (ulong)(bits - 1)));
            return;
        }
        _il.Emit(OpCodes.Ldloc, offset);
        _il.Emit(OpCodes.Conv_I4);
        _il.Emit(OpCodes.Ldc_I4, bits - 1);
        _il.Emit(OpCodes.And);
    }
}
