using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers: BCD adjustments DAA, DAS, AAA, AAS, AAM, AAD (SDM Vol. 2 pseudo-code of each;
/// 16/32-bit modes only, their opcodes are invalid in 64-bit mode and Iced decodes them as such). Flags
/// the SDM leaves undefined are cleared.
/// </summary>
internal static unsafe class DecimalArithmetic
{
    private static ulong Al(X86Cpu c) => c.R[0] & 0xFF;

    private static void SetAl(X86Cpu c, ulong al) => c.R[0] = (c.R[0] & ~0xFFUL) | (al & 0xFF);

    private static void SetAx(X86Cpu c, ulong ax) => c.R[0] = (c.R[0] & ~0xFFFFUL) | (ax & 0xFFFF);

    /// <summary>DAA: decimal adjust AL after addition; CF and AF from the adjustment, SF/ZF/PF from AL.</summary>
    public static void Daa(X86Cpu c, ref DecodedInstruction d)
    {
        ulong al = Al(c), oldAl = al;
        bool oldCf = c.CF, cf = false, af = false;
        if ((al & 0xF) > 9 || c.AF)
        {
            cf = oldCf || al + 6 > 0xFF;
            al = (al + 6) & 0xFF;
            af = true;
        }
        if (oldAl > 0x99 || oldCf)
        {
            al = (al + 0x60) & 0xFF;
            cf = true;
        }
        else
            cf = false;
        SetAl(c, al);
        c.SetArith(ZspFlags(al, 1) | (cf ? FlagBits.CF : 0) | (af ? FlagBits.AF : 0));
    }

    /// <summary>DAS: decimal adjust AL after subtraction (no "else CF = 0" in the second step, unlike DAA).</summary>
    public static void Das(X86Cpu c, ref DecodedInstruction d)
    {
        ulong al = Al(c), oldAl = al;
        bool oldCf = c.CF, cf = false, af = false;
        if ((al & 0xF) > 9 || c.AF)
        {
            cf = oldCf || al < 6;
            al = (al - 6) & 0xFF;
            af = true;
        }
        if (oldAl > 0x99 || oldCf)
        {
            al = (al - 0x60) & 0xFF;
            cf = true;
        }
        SetAl(c, al);
        c.SetArith(ZspFlags(al, 1) | (cf ? FlagBits.CF : 0) | (af ? FlagBits.AF : 0));
    }

    /// <summary>AAA: AX + 106h when AL's low digit overflowed, then AL keeps its low nibble; CF = AF = adjusted.</summary>
    public static void Aaa(X86Cpu c, ref DecodedInstruction d)
    {
        var ax = c.R[0] & 0xFFFF;
        var adjust = (ax & 0xF) > 9 || c.AF;
        if (adjust)
            ax += 0x106;
        SetAx(c, ax & 0xFF0F);
        c.SetArith(adjust ? FlagBits.CF | FlagBits.AF : 0);
    }

    /// <summary>AAS: AX − 6 and AH − 1 when AL's low digit borrowed, then AL keeps its low nibble.</summary>
    public static void Aas(X86Cpu c, ref DecodedInstruction d)
    {
        var ax = c.R[0] & 0xFFFF;
        var adjust = (ax & 0xF) > 9 || c.AF;
        if (adjust)
            ax = ax - 6 - 0x100;
        SetAx(c, ax & 0xFF0F);
        c.SetArith(adjust ? FlagBits.CF | FlagBits.AF : 0);
    }

    /// <summary>AAM imm8: AH = AL / imm8, AL = AL mod imm8; #DE for 0.</summary>
    public static void Aam(X86Cpu c, ref DecodedInstruction d)
    {
        ulong divisor = d.I.Immediate8;
        if (divisor == 0)
            c.Throw(ExceptionVector.DivideError);
        var al = Al(c);
        var result = al % divisor;
        SetAx(c, ((al / divisor) << 8) | result);
        c.SetArith(ZspFlags(result, 1));
    }

    /// <summary>AAD imm8: AL = AL + AH × imm8 (8 bits), AH = 0.</summary>
    public static void Aad(X86Cpu c, ref DecodedInstruction d)
    {
        var ax = c.R[0] & 0xFFFF;
        var al = ((ax & 0xFF) + (ax >> 8) * d.I.Immediate8) & 0xFF;
        SetAx(c, al);
        c.SetArith(ZspFlags(al, 1));
    }
}
