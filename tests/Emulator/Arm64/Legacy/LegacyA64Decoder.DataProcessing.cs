using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64.Legacy;

/// <summary>Data processing — immediate and register (Arm ARM C4.1.86 and C4.1.88).</summary>
internal static unsafe partial class LegacyA64Decoder
{
    private static bool DataProcessingImmediate(uint w, ref A64Instruction d)
    {
        var sf = (w >> 31) != 0;
        uint rd = w & 31, rn = (w >> 5) & 31;
        d.Is64 = sf;
        switch ((w >> 23) & 7)
        {
            case 0:
            case 1:
                {
                    var imm = SignExtend((((w >> 5) & 0x7FFFF) << 2) | ((w >> 29) & 3), 21);
                    d.Rd = WriteZr(rd);
                    if (sf)
                    {
                        d.Imm = imm << 12;
                        d.Handler = &Branches.Adrp;
                    }
                    else
                    {
                        d.Imm = imm;
                        d.Handler = &Branches.Adr;
                    }
                    return true;
                }
            case 2:
                {
                    var sub = ((w >> 30) & 1) != 0;
                    var setFlags = ((w >> 29) & 1) != 0;
                    d.Imm = (ulong)((w >> 10) & 0xFFF) << (((w >> 22) & 1) != 0 ? 12 : 0);
                    d.Rn = OrSp(rn);
                    d.Rd = setFlags ? WriteZr(rd) : OrSp(rd);
                    d.Handler = sub
                        ? (setFlags ? &Arithmetic.SubsImmediate : &Arithmetic.SubImmediate)
                        : (setFlags ? &Arithmetic.AddsImmediate : &Arithmetic.AddImmediate);
                    return true;
                }
            case 4:
                {
                    var n = (w >> 22) & 1;
                    if (!sf && n != 0)
                        return false;
                    if (!DecodeBitMasks(n, (w >> 10) & 0x3F, (w >> 16) & 0x3F, true, sf ? 64 : 32, out var wmask, out _))
                        return false;
                    var opc = (w >> 29) & 3;
                    d.Imm = wmask;
                    d.Rn = ReadZr(rn);
                    d.Rd = opc == 3 ? WriteZr(rd) : OrSp(rd);
                    d.Handler = opc switch
                    {
                        0 => &Logic.AndImmediate,
                        1 => &Logic.OrrImmediate,
                        2 => &Logic.EorImmediate,
                        _ => &Logic.AndsImmediate,
                    };
                    return true;
                }
            case 5:
                {
                    var opc = (w >> 29) & 3;
                    var hw = (int)((w >> 21) & 3);
                    if (opc == 1 || (!sf && hw >= 2))
                        return false;
                    d.Size = (byte)(hw * 16);
                    d.Imm = (ulong)((w >> 5) & 0xFFFF) << d.Size;
                    d.Rd = WriteZr(rd);
                    d.Handler = opc switch
                    {
                        0 => &Logic.Movn,
                        2 => &Logic.Movz,
                        _ => &Logic.Movk,
                    };
                    return true;
                }
            case 6:
                {
                    var opc = (w >> 29) & 3;
                    var n = (w >> 22) & 1;
                    uint immr = (w >> 16) & 0x3F, imms = (w >> 10) & 0x3F;
                    if (opc == 3 || n != (sf ? 1u : 0u) || (!sf && ((immr | imms) & 0x20) != 0))
                        return false;
                    if (!DecodeBitMasks(n, imms, immr, false, sf ? 64 : 32, out var wmask, out var tmask))
                        return false;
                    d.Imm = wmask;
                    d.Imm2 = tmask;
                    d.Size = (byte)immr;
                    d.Op = (byte)imms;
                    d.Rd = WriteZr(rd);
                    d.Rn = ReadZr(rn);
                    d.Handler = opc switch
                    {
                        0 => &Bitfield.Sbfm,
                        1 => &Bitfield.Bfm,
                        _ => &Bitfield.Ubfm,
                    };
                    return true;
                }
            case 7:
                {
                    var imms = (w >> 10) & 0x3F;
                    if (((w >> 29) & 3) != 0 || ((w >> 21) & 1) != 0 || ((w >> 22) & 1) != (sf ? 1u : 0u) || (!sf && imms >= 32))
                        return false;
                    d.Rd = WriteZr(rd);
                    d.Rn = ReadZr(rn);
                    d.Rm = ReadZr(w >> 16);
                    d.Size = (byte)imms;
                    d.Handler = &Bitfield.Extr;
                    return true;
                }
            default:
                return false;
        }
    }

    private static bool DataProcessingRegister(uint w, ref A64Instruction d)
    {
        var sf = (w >> 31) != 0;
        uint rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31;
        var op2 = (w >> 21) & 0xF;
        var sub = ((w >> 30) & 1) != 0;
        var setFlags = ((w >> 29) & 1) != 0;
        d.Is64 = sf;
        if (((w >> 28) & 1) == 0)
        {
            var amount = (w >> 10) & 0x3F;
            var shift = (w >> 22) & 3;
            if ((op2 & 8) == 0)
            {
                if (!sf && amount >= 32)
                    return false;
                d.Rd = WriteZr(rd);
                d.Rn = ReadZr(rn);
                d.Rm = ReadZr(rm);
                d.Op = (byte)shift;
                d.Size = (byte)amount;
                d.Ra = (byte)((w >> 21) & 1);
                d.Handler = ((w >> 29) & 3) switch
                {
                    0 => &Logic.AndShifted,
                    1 => &Logic.OrrShifted,
                    2 => &Logic.EorShifted,
                    _ => &Logic.AndsShifted,
                };
                return true;
            }
            if ((op2 & 1) == 0)
            {
                if (shift == 3 || (!sf && amount >= 32))
                    return false;
                d.Rd = WriteZr(rd);
                d.Rn = ReadZr(rn);
                d.Rm = ReadZr(rm);
                d.Op = (byte)shift;
                d.Size = (byte)amount;
                d.Handler = sub
                    ? (setFlags ? &Arithmetic.SubsShifted : &Arithmetic.SubShifted)
                    : (setFlags ? &Arithmetic.AddsShifted : &Arithmetic.AddShifted);
                return true;
            }
            var imm3 = (w >> 10) & 7;
            if (shift != 0 || imm3 > 4)
                return false;
            d.Rd = setFlags ? WriteZr(rd) : OrSp(rd);
            d.Rn = OrSp(rn);
            d.Rm = ReadZr(rm);
            d.Op = (byte)((w >> 13) & 7);
            d.Size = (byte)imm3;
            d.Handler = sub
                ? (setFlags ? &Arithmetic.SubsExtended : &Arithmetic.SubExtended)
                : (setFlags ? &Arithmetic.AddsExtended : &Arithmetic.AddExtended);
            return true;
        }

        d.Rd = WriteZr(rd);
        d.Rn = ReadZr(rn);
        d.Rm = ReadZr(rm);
        var op3 = (w >> 10) & 0x3F;
        switch (op2)
        {
            case 0b0000:
                if (op3 != 0)
                    return false;
                d.Op = (byte)((sub ? 1 : 0) | (setFlags ? 2 : 0));
                d.Handler = &Arithmetic.AddSubCarry;
                return true;
            case 0b0010:
                if (!setFlags || ((w >> 10) & 1) != 0 || ((w >> 4) & 1) != 0)
                    return false;
                d.Op = (byte)((w >> 12) & 0xF);
                d.Imm2 = w & 0xF;
                d.Ra = (byte)(sub ? 1 : 0);
                if (((w >> 11) & 1) != 0)
                {
                    d.Size = 1;
                    d.Imm = rm;
                }
                d.Handler = &Arithmetic.ConditionalCompare;
                return true;
            case 0b0100:
                {
                    var op = (w >> 10) & 3;
                    if (setFlags || op > 1)
                        return false;
                    d.Op = (byte)((w >> 12) & 0xF);
                    d.Ra = (byte)((sub ? 2u : 0u) | op);
                    d.Handler = &Arithmetic.ConditionalSelect;
                    return true;
                }
            case 0b0110:
                return sub ? OneSource(w, ref d, sf, setFlags) : TwoSource(ref d, op3, setFlags);
            default:
                return op2 >= 0b1000 && ThreeSource(w, ref d, sf);
        }
    }

    private static bool TwoSource(ref A64Instruction d, uint opcode, bool setFlags)
    {
        if (setFlags)
            return false;
        switch (opcode)
        {
            case 2:
                d.Handler = &Multiply.Udiv;
                return true;
            case 3:
                d.Handler = &Multiply.Sdiv;
                return true;
            case >= 8 and <= 11:
                d.Op = (byte)(opcode & 3);
                d.Handler = &Bitfield.ShiftVariable;
                return true;
            default:
                return false;
        }
    }

    private static bool OneSource(uint w, ref A64Instruction d, bool sf, bool setFlags)
    {
        if (setFlags || ((w >> 16) & 31) != 0)
            return false;
        switch ((w >> 10) & 0x3F)
        {
            case 0:
                d.Handler = &Bitfield.Rbit;
                return true;
            case 1:
                d.Handler = &Bitfield.Rev16;
                return true;
            case 2:
                d.Handler = sf ? &Bitfield.Rev32 : &Bitfield.Rev;
                return true;
            case 3 when sf:
                d.Handler = &Bitfield.Rev;
                return true;
            case 4:
                d.Handler = &Bitfield.Clz;
                return true;
            case 5:
                d.Handler = &Bitfield.Cls;
                return true;
            default:
                return false;
        }
    }

    private static bool ThreeSource(uint w, ref A64Instruction d, bool sf)
    {
        if (((w >> 29) & 3) != 0)
            return false;
        var subtract = ((w >> 15) & 1) != 0;
        d.Ra = ReadZr(w >> 10);
        d.Op = (byte)(subtract ? 1 : 0);
        switch ((w >> 21) & 7)
        {
            case 0:
                d.Handler = &Multiply.MultiplyAdd;
                return true;
            case 1 when sf:
                d.Handler = &Multiply.SignedMultiplyAddLong;
                return true;
            case 5 when sf:
                d.Handler = &Multiply.UnsignedMultiplyAddLong;
                return true;
            case 2 when sf && !subtract:
                d.Handler = &Multiply.Smulh;
                return true;
            case 6 when sf && !subtract:
                d.Handler = &Multiply.Umulh;
                return true;
            default:
                return false;
        }
    }
}
