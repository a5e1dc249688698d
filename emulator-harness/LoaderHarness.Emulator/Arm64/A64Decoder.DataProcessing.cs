namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Operand shapes of data processing — immediate and register (Arm ARM C4.1.86 and C4.1.88). Each sets
/// <see cref="A64Instruction.Is64"/> from sf and declines what the instruction's decode pseudocode in C6.2
/// makes UNDEFINED.
/// </summary>
internal static unsafe partial class A64Decoder
{
    private static bool Sf(uint w) => (w >> 31) != 0;

    /// <summary>ADR (imm in bytes) and ADRP (imm in 4 KiB pages, shifted here): immhi:immlo, Rd.</summary>
    private static bool PcRelative(uint w, ref A64Instruction d)
    {
        var imm = SignExtend((((w >> 5) & 0x7FFFF) << 2) | ((w >> 29) & 3), 21);
        d.Is64 = Sf(w);
        d.Rd = WriteZr(w);
        d.Imm = d.Is64 ? imm << 12 : imm;
        return true;
    }

    /// <summary>ADD, ADDS, SUB, SUBS (immediate): imm12 shifted by sh, Rn or SP, Rd or SP (XZR when setting flags).</summary>
    private static bool AddSubImmediate(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        d.Imm = (ulong)((w >> 10) & 0xFFF) << (((w >> 22) & 1) != 0 ? 12 : 0);
        d.Rn = OrSp(w >> 5);
        d.Rd = SetsFlags(w) ? WriteZr(w) : OrSp(w);
        return true;
    }

    /// <summary>AND, ORR, EOR, ANDS (immediate): the DecodeBitMasks wmask; UNDEFINED when sf 0 with N 1 or reserved.</summary>
    private static bool LogicalImmediate(uint w, ref A64Instruction d)
    {
        var n = (w >> 22) & 1;
        d.Is64 = Sf(w);
        if (!d.Is64 && n != 0)
            return false;
        if (!DecodeBitMasks(n, (w >> 10) & 0x3F, (w >> 16) & 0x3F, true, d.Is64 ? 64 : 32, out var wmask, out _))
            return false;
        d.Imm = wmask;
        d.Rn = ReadZr(w >> 5);
        d.Rd = ((w >> 29) & 3) == 3 ? WriteZr(w) : OrSp(w);
        return true;
    }

    /// <summary>MOVN, MOVZ, MOVK: imm16 placed at hw*16 (the shift in <see cref="A64Instruction.Size"/>); UNDEFINED when sf 0 with hw&lt;1&gt; 1.</summary>
    private static bool MoveWide(uint w, ref A64Instruction d)
    {
        var hw = (int)((w >> 21) & 3);
        d.Is64 = Sf(w);
        if (!d.Is64 && hw >= 2)
            return false;
        d.Size = (byte)(hw * 16);
        d.Imm = (ulong)((w >> 5) & 0xFFFF) << d.Size;
        d.Rd = WriteZr(w);
        return true;
    }

    /// <summary>
    /// SBFM, BFM, UBFM: wmask and tmask, immr in <see cref="A64Instruction.Size"/>, imms in
    /// <see cref="A64Instruction.Op"/>; UNDEFINED when N differs from sf or a 32-bit immr/imms exceeds 31.
    /// </summary>
    private static bool BitfieldMove(uint w, ref A64Instruction d)
    {
        var n = (w >> 22) & 1;
        uint immr = (w >> 16) & 0x3F, imms = (w >> 10) & 0x3F;
        d.Is64 = Sf(w);
        if (n != (d.Is64 ? 1u : 0u) || (!d.Is64 && ((immr | imms) & 0x20) != 0))
            return false;
        if (!DecodeBitMasks(n, imms, immr, false, d.Is64 ? 64 : 32, out var wmask, out var tmask))
            return false;
        d.Imm = wmask;
        d.Imm2 = tmask;
        d.Size = (byte)immr;
        d.Op = (byte)imms;
        d.Rd = WriteZr(w);
        d.Rn = ReadZr(w >> 5);
        return true;
    }

    /// <summary>EXTR: Rn:Rm from bit imms (in <see cref="A64Instruction.Size"/>); UNDEFINED when N differs from sf or a 32-bit imms exceeds 31.</summary>
    private static bool Extract(uint w, ref A64Instruction d)
    {
        var imms = (w >> 10) & 0x3F;
        d.Is64 = Sf(w);
        if (((w >> 22) & 1) != (d.Is64 ? 1u : 0u) || (!d.Is64 && imms >= 32))
            return false;
        d.Rd = WriteZr(w);
        d.Rn = ReadZr(w >> 5);
        d.Rm = ReadZr(w >> 16);
        d.Size = (byte)imms;
        return true;
    }

    /// <summary>
    /// AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register): shift type in <see cref="A64Instruction.Op"/>,
    /// amount in <see cref="A64Instruction.Size"/>, N (invert Rm) in <see cref="A64Instruction.Ra"/>;
    /// UNDEFINED when a 32-bit amount exceeds 31.
    /// </summary>
    private static bool LogicalShifted(uint w, ref A64Instruction d)
    {
        var amount = (w >> 10) & 0x3F;
        d.Is64 = Sf(w);
        if (!d.Is64 && amount >= 32)
            return false;
        ThreeRegisters(w, ref d);
        d.Op = (byte)((w >> 22) & 3);
        d.Size = (byte)amount;
        d.Ra = (byte)((w >> 21) & 1);
        return true;
    }

    /// <summary>ADD, ADDS, SUB, SUBS (shifted register): as logical, but shift 11 (ROR) is reserved.</summary>
    private static bool AddSubShifted(uint w, ref A64Instruction d)
    {
        var amount = (w >> 10) & 0x3F;
        var shift = (w >> 22) & 3;
        d.Is64 = Sf(w);
        if (shift == 3 || (!d.Is64 && amount >= 32))
            return false;
        ThreeRegisters(w, ref d);
        d.Op = (byte)shift;
        d.Size = (byte)amount;
        return true;
    }

    /// <summary>
    /// ADD, ADDS, SUB, SUBS (extended register): Rn or SP, Rd or SP (XZR when setting flags), extend option in
    /// <see cref="A64Instruction.Op"/>, left shift in <see cref="A64Instruction.Size"/>; UNDEFINED for a shift over 4.
    /// </summary>
    private static bool AddSubExtended(uint w, ref A64Instruction d)
    {
        var imm3 = (w >> 10) & 7;
        d.Is64 = Sf(w);
        if (imm3 > 4)
            return false;
        d.Rd = SetsFlags(w) ? WriteZr(w) : OrSp(w);
        d.Rn = OrSp(w >> 5);
        d.Rm = ReadZr(w >> 16);
        d.Op = (byte)((w >> 13) & 7);
        d.Size = (byte)imm3;
        return true;
    }

    /// <summary>ADC, ADCS, SBC, SBCS: subtract (bit 0) and set flags (bit 1) in <see cref="A64Instruction.Op"/>.</summary>
    private static bool AddSubCarry(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        ThreeRegisters(w, ref d);
        d.Op = (byte)((Subtracts(w) ? 1 : 0) | (SetsFlags(w) ? 2 : 0));
        return true;
    }

    /// <summary>
    /// CCMN, CCMP (register and immediate): condition in <see cref="A64Instruction.Op"/>, nzcv in
    /// <see cref="A64Instruction.Imm2"/>, subtract in <see cref="A64Instruction.Ra"/>; the immediate form has
    /// <see cref="A64Instruction.Size"/> 1 and imm5 in <see cref="A64Instruction.Imm"/>.
    /// </summary>
    private static bool ConditionalCompare(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        ThreeRegisters(w, ref d);
        d.Op = (byte)((w >> 12) & 0xF);
        d.Imm2 = w & 0xF;
        d.Ra = (byte)(Subtracts(w) ? 1 : 0);
        if (((w >> 11) & 1) != 0)
        {
            d.Size = 1;
            d.Imm = (w >> 16) & 31;
        }
        return true;
    }

    /// <summary>CSEL, CSINC, CSINV, CSNEG: condition in <see cref="A64Instruction.Op"/>, op:o2 (invert, increment) in <see cref="A64Instruction.Ra"/>.</summary>
    private static bool ConditionalSelect(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        ThreeRegisters(w, ref d);
        d.Op = (byte)((w >> 12) & 0xF);
        d.Ra = (byte)((Subtracts(w) ? 2u : 0u) | ((w >> 10) & 3));
        return true;
    }

    /// <summary>Rd (XZR discards), Rn, Rm (XZR reads zero): the two- and one-source instructions.</summary>
    private static bool RegisterOperands(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        ThreeRegisters(w, ref d);
        return true;
    }

    /// <summary>LSLV, LSRV, ASRV, RORV: the shift type in <see cref="A64Instruction.Op"/>.</summary>
    private static bool VariableShift(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        ThreeRegisters(w, ref d);
        d.Op = (byte)((w >> 10) & 3);
        return true;
    }

    /// <summary>MADD, MSUB, SMADDL, SMSUBL, UMADDL, UMSUBL, SMULH, UMULH: Ra, subtract (o0) in <see cref="A64Instruction.Op"/>.</summary>
    private static bool MultiplyAccumulate(uint w, ref A64Instruction d)
    {
        d.Is64 = Sf(w);
        ThreeRegisters(w, ref d);
        d.Ra = ReadZr(w >> 10);
        d.Op = (byte)((w >> 15) & 1);
        return true;
    }

    private static void ThreeRegisters(uint w, ref A64Instruction d)
    {
        d.Rd = WriteZr(w);
        d.Rn = ReadZr(w >> 5);
        d.Rm = ReadZr(w >> 16);
    }

    private static bool Subtracts(uint w) => ((w >> 30) & 1) != 0;

    private static bool SetsFlags(uint w) => ((w >> 29) & 1) != 0;
}
