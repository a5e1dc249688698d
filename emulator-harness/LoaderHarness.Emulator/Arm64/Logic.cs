namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// AND/ORR/EOR/ANDS (immediate and shifted register, with BIC/ORN/EON/BICS when <c>Ra</c> = 1 inverts
/// the operand) and MOVN/MOVZ/MOVK (<c>Imm</c> = imm16 already shifted, <c>Size</c> = shift).
/// </summary>
internal static unsafe class Logic
{
    public static void AndImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(c.R[d.Rn] & d.Imm, d.Is64);

    public static void OrrImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(c.R[d.Rn] | d.Imm, d.Is64);

    public static void EorImmediate(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(c.R[d.Rn] ^ d.Imm, d.Is64);

    public static void AndsImmediate(Arm64Cpu c, ref A64Instruction d)
    {
        var r = Width(c.R[d.Rn] & d.Imm, d.Is64);
        c.SetLogicalFlags(r, d.Is64);
        c.R[d.Rd] = r;
    }

    public static void AndShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(c.R[d.Rn] & Operand(c, ref d), d.Is64);

    public static void OrrShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(c.R[d.Rn] | Operand(c, ref d), d.Is64);

    public static void EorShifted(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(c.R[d.Rn] ^ Operand(c, ref d), d.Is64);

    public static void AndsShifted(Arm64Cpu c, ref A64Instruction d)
    {
        var r = Width(c.R[d.Rn] & Operand(c, ref d), d.Is64);
        c.SetLogicalFlags(r, d.Is64);
        c.R[d.Rd] = r;
    }

    public static void Movz(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = d.Imm;

    public static void Movn(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = Width(~d.Imm, d.Is64);

    public static void Movk(Arm64Cpu c, ref A64Instruction d)
    {
        var r = (c.R[d.Rd == Arm64Cpu.Discard ? Arm64Cpu.Zr : d.Rd] & ~(0xFFFFUL << d.Size)) | d.Imm;
        c.R[d.Rd] = Width(r, d.Is64);
    }

    private static ulong Operand(Arm64Cpu c, ref A64Instruction d)
    {
        var v = Arithmetic.ShiftedOperand(c, ref d);
        return d.Ra != 0 ? ~v : v;
    }

    private static ulong Width(ulong value, bool is64) => is64 ? value : (uint)value;
}
