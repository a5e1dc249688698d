using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64.Legacy;

/// <summary>
/// Loads and stores (Arm ARM C4.1.87): exclusives and load-acquire/store-release, literals, pairs, and
/// single registers with unsigned-offset, unscaled, pre-/post-index, unprivileged and register-offset
/// addressing. SIMD&amp;FP registers, LSE atomics and pointer-authenticated loads are not implemented.
/// </summary>
internal static unsafe partial class LegacyA64Decoder
{
    private const byte LoadSigned = A64Decoder.LoadSigned;
    private const byte LoadSigned64 = A64Decoder.LoadSigned64;

    private static bool LoadsAndStores(uint w, ref A64Instruction d)
    {
        if (((w >> 26) & 1) != 0)
            return false;
        uint size = w >> 30, rt = w & 31, rn = (w >> 5) & 31;
        switch ((w >> 27) & 7)
        {
            case 0b001 when ((w >> 24) & 7) == 0:
                return Exclusive(w, ref d, size, rt, rn);
            case 0b011 when ((w >> 24) & 3) == 0:
                return Literal(w, ref d, size, rt);
            case 0b101:
                return Pair(w, ref d, rt, rn);
            case 0b111:
                return Single(w, ref d, size, rt, rn);
            default:
                return false;
        }
    }

    private static bool Exclusive(uint w, ref A64Instruction d, uint size, uint rt, uint rn)
    {
        var ordered = ((w >> 23) & 1) != 0;
        var load = ((w >> 22) & 1) != 0;
        var pair = ((w >> 21) & 1) != 0;
        var rs = (w >> 16) & 31;
        var rt2 = (w >> 10) & 31;
        d.Rn = OrSp(rn);
        d.Size = (byte)(1 << (int)size);
        if (ordered)
        {
            // LDAR/STLR and LDLAR/STLLR: a plain access at [Xn] (a single CPU needs no ordering).
            if (pair)
                return false;
            d.Is64 = size == 3;
            d.Rd = load ? WriteZr(rt) : ReadZr(rt);
            d.Handler = load ? &LoadStore.LoadOffset : &LoadStore.StoreOffset;
            return true;
        }
        if (pair)
        {
            if (size < 2)
                return false;
            d.Size = (byte)(size == 2 ? 4 : 8);
            d.Rd = load ? WriteZr(rt) : ReadZr(rt);
            d.Ra = load ? WriteZr(rt2) : ReadZr(rt2);
            d.Rm = WriteZr(rs);
            d.Handler = load ? &LoadStore.LoadExclusivePair : &LoadStore.StoreExclusivePair;
            return true;
        }
        d.Rd = load ? WriteZr(rt) : ReadZr(rt);
        d.Rm = WriteZr(rs);
        d.Handler = load ? &LoadStore.LoadExclusive : &LoadStore.StoreExclusive;
        return true;
    }

    private static bool Literal(uint w, ref A64Instruction d, uint opc, uint rt)
    {
        d.Imm = SignExtend(((w >> 5) & 0x7FFFF) << 2, 21);
        d.Rd = WriteZr(rt);
        switch (opc)
        {
            case 0:
                d.Size = 4;
                break;
            case 1:
                d.Size = 8;
                break;
            case 2:
                d.Size = 4;
                d.Op = LoadSigned | LoadSigned64;
                break;
            default:
                d.Handler = &SystemInstructions.Nop; // PRFM (literal)
                return true;
        }
        d.Handler = &LoadStore.LoadLiteral;
        return true;
    }

    private static bool Pair(uint w, ref A64Instruction d, uint rt, uint rn)
    {
        var opc = w >> 30;
        var variant = (w >> 23) & 3;
        var load = ((w >> 22) & 1) != 0;
        if (opc == 3 || (opc == 1 && (!load || variant == 0)))
            return false;
        var scale = opc == 2 ? 8 : 4;
        d.Size = (byte)scale;
        d.Imm = SignExtend((w >> 15) & 0x7F, 7) * (ulong)scale;
        d.Rn = OrSp(rn);
        d.Op = opc == 1 ? (byte)(LoadSigned | LoadSigned64) : (byte)0;
        d.Rd = load ? WriteZr(rt) : ReadZr(rt);
        d.Ra = load ? WriteZr(w >> 10) : ReadZr(w >> 10);
        d.Handler = (variant, load) switch
        {
            (1, true) => &LoadStore.LoadPairPost,
            (3, true) => &LoadStore.LoadPairPre,
            (_, true) => &LoadStore.LoadPair,
            (1, false) => &LoadStore.StorePairPost,
            (3, false) => &LoadStore.StorePairPre,
            _ => &LoadStore.StorePair,
        };
        return true;
    }

    private static bool Single(uint w, ref A64Instruction d, uint size, uint rt, uint rn)
    {
        var opc = (w >> 22) & 3;
        var unsignedOffset = ((w >> 24) & 1) != 0;
        var variant = (w >> 10) & 3;
        var registerOffset = !unsignedOffset && ((w >> 21) & 1) != 0;
        if (!unsignedOffset && registerOffset && variant != 2)
            return false; // LSE atomics (variant 0) and LDRAA/LDRAB (variants 1, 3)

        var prefetch = size == 3 && opc == 2;
        if (prefetch)
        {
            // PRFM / PRFUM: no effect; the pre-/post-indexed forms are unallocated.
            if (!unsignedOffset && !registerOffset && (variant & 1) != 0)
                return false;
            d.Handler = &SystemInstructions.Nop;
            return true;
        }
        if (opc == 3 && size >= 2)
            return false;
        var store = opc == 0;
        d.Size = (byte)(1 << (int)size);
        d.Op = opc switch
        {
            2 => LoadSigned | LoadSigned64,
            3 => LoadSigned,
            _ => 0,
        };
        d.Is64 = size == 3;
        d.Rn = OrSp(rn);
        d.Rd = store ? ReadZr(rt) : WriteZr(rt);

        if (unsignedOffset)
        {
            d.Imm = (ulong)((w >> 10) & 0xFFF) << (int)size;
            d.Handler = store ? &LoadStore.StoreOffset : &LoadStore.LoadOffset;
            return true;
        }
        if (registerOffset)
        {
            var option = (w >> 13) & 7;
            if ((option & 2) == 0)
                return false;
            d.Rm = ReadZr(w >> 16);
            d.Ra = (byte)option;
            d.Imm2 = ((w >> 12) & 1) != 0 ? size : 0;
            d.Handler = store ? &LoadStore.StoreRegister : &LoadStore.LoadRegister;
            return true;
        }
        d.Imm = SignExtend((w >> 12) & 0x1FF, 9);
        d.Handler = (variant, store) switch
        {
            (1, true) => &LoadStore.StorePost,
            (3, true) => &LoadStore.StorePre,
            (1, false) => &LoadStore.LoadPost,
            (3, false) => &LoadStore.LoadPre,
            // Unscaled (LDUR/STUR) and unprivileged (LDTR/STTR; no PAN, so EL1 access rules apply).
            (_, true) => &LoadStore.StoreOffset,
            _ => &LoadStore.LoadOffset,
        };
        return true;
    }
}
