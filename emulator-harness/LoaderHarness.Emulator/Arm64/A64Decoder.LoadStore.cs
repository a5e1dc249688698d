namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Operand shapes of loads and stores (Arm ARM C4.1.87): exclusives and load-acquire/store-release,
/// literals, pairs, and single registers with unsigned-offset, unscaled, pre-/post-index, unprivileged and
/// register-offset addressing. SIMD&amp;FP registers, LSE atomics and pointer-authenticated loads have no rows.
/// </summary>
internal static unsafe partial class A64Decoder
{
    /// <summary><see cref="A64Instruction.Op"/> bit: sign-extend the loaded value.</summary>
    internal const byte LoadSigned = 1;
    /// <summary><see cref="A64Instruction.Op"/> bit: a sign-extended load fills 64 bits (else 32).</summary>
    internal const byte LoadSigned64 = 2;

    /// <summary>
    /// LDAR/STLR and LDLAR/STLLR: a plain access at [Xn|SP] of 1 &lt;&lt; size bytes (a single CPU needs no
    /// ordering), Rt written (loads) or read (stores).
    /// </summary>
    private static bool OrderedAccess(uint w, ref A64Instruction d)
    {
        var size = w >> 30;
        d.Rn = OrSp(w >> 5);
        d.Size = (byte)(1 << (int)size);
        d.Is64 = size == 3;
        d.Rd = Loads(w) ? WriteZr(w) : ReadZr(w);
        return true;
    }

    /// <summary>LDXR/LDAXR, STXR/STLXR: [Xn|SP], Rt, the status register Rs in <see cref="A64Instruction.Rm"/>.</summary>
    private static bool Exclusive(uint w, ref A64Instruction d)
    {
        d.Rn = OrSp(w >> 5);
        d.Size = (byte)(1 << (int)(w >> 30));
        d.Rd = Loads(w) ? WriteZr(w) : ReadZr(w);
        d.Rm = WriteZr(w >> 16);
        return true;
    }

    /// <summary>LDXP/LDAXP, STXP/STLXP: as <see cref="Exclusive"/>, with Rt2 in <see cref="A64Instruction.Ra"/>.</summary>
    private static bool ExclusivePair(uint w, ref A64Instruction d)
    {
        Exclusive(w, ref d);
        d.Ra = Loads(w) ? WriteZr(w >> 10) : ReadZr(w >> 10);
        return true;
    }

    /// <summary>LDR, LDRSW and PRFM (literal): imm19 words from the instruction, Rt, size and sign by opc.</summary>
    private static bool LoadLiteral(uint w, ref A64Instruction d)
    {
        d.Imm = SignExtend(((w >> 5) & 0x7FFFF) << 2, 21);
        d.Rd = WriteZr(w);
        switch (w >> 30)
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
        }
        return true;
    }

    /// <summary>
    /// STP, LDP, STNP, LDNP, LDPSW in every indexing: 4 or 8 bytes per register, imm7 scaled to bytes, Rt and
    /// Rt2 (in <see cref="A64Instruction.Ra"/>), [Xn|SP].
    /// </summary>
    private static bool Pair(uint w, ref A64Instruction d)
    {
        var opc = w >> 30;
        var scale = opc == 2 ? 8 : 4;
        var load = Loads(w);
        d.Size = (byte)scale;
        d.Imm = SignExtend((w >> 15) & 0x7F, 7) * (ulong)scale;
        d.Rn = OrSp(w >> 5);
        d.Op = opc == 1 ? (byte)(LoadSigned | LoadSigned64) : (byte)0;
        d.Rd = load ? WriteZr(w) : ReadZr(w);
        d.Ra = load ? WriteZr(w >> 10) : ReadZr(w >> 10);
        return true;
    }

    /// <summary>LDR/STR (unsigned offset) of every size and sign: imm12 scaled by the access size.</summary>
    private static bool UnsignedOffset(uint w, ref A64Instruction d)
    {
        SingleRegister(w, ref d);
        d.Imm = (ulong)((w >> 10) & 0xFFF) << (int)(w >> 30);
        return true;
    }

    /// <summary>
    /// LDR/STR (register): Rm, the extend option in <see cref="A64Instruction.Ra"/>, the shift (0 or the size)
    /// in <see cref="A64Instruction.Imm2"/>; UNDEFINED when option&lt;1&gt; is 0.
    /// </summary>
    private static bool RegisterOffset(uint w, ref A64Instruction d)
    {
        var option = (w >> 13) & 7;
        if ((option & 2) == 0)
            return false;
        SingleRegister(w, ref d);
        d.Rm = ReadZr(w >> 16);
        d.Ra = (byte)option;
        d.Imm2 = ((w >> 12) & 1) != 0 ? w >> 30 : 0;
        return true;
    }

    /// <summary>LDUR/STUR, LDTR/STTR and the pre-/post-indexed forms: the signed imm9 byte offset.</summary>
    private static bool SignedOffset(uint w, ref A64Instruction d)
    {
        SingleRegister(w, ref d);
        d.Imm = SignExtend((w >> 12) & 0x1FF, 9);
        return true;
    }

    /// <summary>
    /// What every single-register form shares: 1 &lt;&lt; size bytes, sign extension by opc (10: to 64 bits,
    /// 11: to 32), [Xn|SP], Rt read by stores (opc 00) and written by loads.
    /// </summary>
    private static void SingleRegister(uint w, ref A64Instruction d)
    {
        var size = w >> 30;
        var opc = (w >> 22) & 3;
        d.Size = (byte)(1 << (int)size);
        d.Op = opc switch
        {
            2 => LoadSigned | LoadSigned64,
            3 => LoadSigned,
            _ => 0,
        };
        d.Is64 = size == 3;
        d.Rn = OrSp(w >> 5);
        d.Rd = opc == 0 ? ReadZr(w) : WriteZr(w);
    }

    /// <summary>The L bit of exclusives and pairs.</summary>
    private static bool Loads(uint w) => ((w >> 22) & 1) != 0;
}
