using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Branches and PC-relative addressing. <c>Imm</c> is the signed displacement from the instruction;
/// compare/test branches read <c>Rn</c>, TBZ/TBNZ test bit <c>Size</c>, B.cond tests condition <c>Op</c>.
/// </summary>
internal static unsafe class Branches
{
    public static void Adr(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = c.Pc + d.Imm;

    public static void Adrp(Arm64Cpu c, ref A64Instruction d) => c.R[d.Rd] = (c.Pc & ~0xFFFUL) + d.Imm;

    public static void Branch(Arm64Cpu c, ref A64Instruction d)
    {
        if (d.Imm == unchecked((ulong)-4L) && c.IsSpinHint(c.Pc - 4))
        {
            c.StopBefore(StopReason.SelfLoop, $"b 0x{c.Pc - 4:x} back to a hint (a cpu_relax() loop)");
            return;
        }
        c.NextPc = c.Pc + d.Imm;
    }

    /// <summary><c>b .</c>: the run ends instead of spinning through the budget.</summary>
    public static void BranchSelf(Arm64Cpu c, ref A64Instruction d) =>
        c.StopBefore(StopReason.SelfLoop, $"b . at 0x{c.Pc:x}");

    public static void BranchLink(Arm64Cpu c, ref A64Instruction d)
    {
        c.R[30] = c.Pc + 4;
        c.NextPc = c.Pc + d.Imm;
    }

    public static void BranchConditional(Arm64Cpu c, ref A64Instruction d)
    {
        if (c.ConditionHolds(d.Op))
            c.NextPc = c.Pc + d.Imm;
    }

    public static void Cbz(Arm64Cpu c, ref A64Instruction d)
    {
        if ((d.Is64 ? c.R[d.Rn] : (uint)c.R[d.Rn]) == 0)
            c.NextPc = c.Pc + d.Imm;
    }

    public static void Cbnz(Arm64Cpu c, ref A64Instruction d)
    {
        if ((d.Is64 ? c.R[d.Rn] : (uint)c.R[d.Rn]) != 0)
            c.NextPc = c.Pc + d.Imm;
    }

    public static void Tbz(Arm64Cpu c, ref A64Instruction d)
    {
        if (((c.R[d.Rn] >> d.Size) & 1) == 0)
            c.NextPc = c.Pc + d.Imm;
    }

    public static void Tbnz(Arm64Cpu c, ref A64Instruction d)
    {
        if (((c.R[d.Rn] >> d.Size) & 1) != 0)
            c.NextPc = c.Pc + d.Imm;
    }

    public static void BranchRegister(Arm64Cpu c, ref A64Instruction d) => c.NextPc = c.R[d.Rn];

    public static void BranchLinkRegister(Arm64Cpu c, ref A64Instruction d)
    {
        var target = c.R[d.Rn];
        c.R[30] = c.Pc + 4;
        c.NextPc = target;
    }

    public static void Return(Arm64Cpu c, ref A64Instruction d) => c.NextPc = c.R[d.Rn];
}
