using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>Branches: direct ones go on inside the block or leave through an exit that may chain; BR, BLR and RET leave with the target in RAX.</summary>
internal sealed partial class A64HostTranslator
{
    private void EmitBranch(int i, in A64Node n)
    {
        ref readonly var d = ref n.D;
        var target = n.Pc + d.Imm;
        switch (n.Op)
        {
            case A64Op.B:
                Goto(target);
                return;
            case A64Op.Bl:
                StoreConstant(30, n.Pc + 4);
                Goto(target);
                return;
            case A64Op.BCond:
                if (HostCondition(d.Op) is not { } cc)
                {
                    Goto(target);
                    return;
                }
                SaveFlags(); // both ways leave the basic block
                ConditionCodes.Jcc(_a, cc, Target(target));
                break;
            case A64Op.Cbz or A64Op.Cbnz:
                Clobber();
                Load(rax, d.Rn);
                if (d.Is64)
                    _a.test(rax, rax);
                else
                    _a.test(eax, eax);
                if (n.Op == A64Op.Cbz)
                    _a.jz(Target(target));
                else
                    _a.jnz(Target(target));
                break;
            case A64Op.Tbz or A64Op.Tbnz:
                Clobber();
                Load(rax, d.Rn);
                _a.bt(rax, d.Size);
                if (n.Op == A64Op.Tbz)
                    _a.jae(Target(target)); // CF = the bit
                else
                    _a.jb(Target(target));
                break;
            default:
                // BR, BLR, RET: the target is read before BLR writes X30 (BLR X30 branches to the old X30).
                SaveFlags();
                Load(rax, d.Rn);
                if (n.Op == A64Op.Blr)
                {
                    MovConstant(rcx, n.Pc + 4);
                    Store(30, rcx);
                }
                _a.jmp(_exits.Dynamic);
                return;
        }
        EmitFallThrough(i, n.Pc + 4);
    }
}
