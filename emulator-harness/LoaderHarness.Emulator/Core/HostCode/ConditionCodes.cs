// Generated from the sixteen condition codes (Iced ConditionCode o..g); do not edit by hand.
using Iced.Intel;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>Host instructions per condition code (Iced <see cref="ConditionCode"/>, o = 1 .. g = 16): SETcc, CMOVcc, Jcc.</summary>
internal static class ConditionCodes
{
    /// <summary>SETcc r/m8.</summary>
    public static Code Setcc(ConditionCode cc) => cc switch
    {
        ConditionCode.o => Code.Seto_rm8,
        ConditionCode.no => Code.Setno_rm8,
        ConditionCode.b => Code.Setb_rm8,
        ConditionCode.ae => Code.Setae_rm8,
        ConditionCode.e => Code.Sete_rm8,
        ConditionCode.ne => Code.Setne_rm8,
        ConditionCode.be => Code.Setbe_rm8,
        ConditionCode.a => Code.Seta_rm8,
        ConditionCode.s => Code.Sets_rm8,
        ConditionCode.ns => Code.Setns_rm8,
        ConditionCode.p => Code.Setp_rm8,
        ConditionCode.np => Code.Setnp_rm8,
        ConditionCode.l => Code.Setl_rm8,
        ConditionCode.ge => Code.Setge_rm8,
        ConditionCode.le => Code.Setle_rm8,
        ConditionCode.g => Code.Setg_rm8,
        _ => throw new ArgumentOutOfRangeException(nameof(cc)),
    };

    /// <summary>CMOVcc r, r/m of <paramref name="size"/> bytes (2, 4 or 8).</summary>
    public static Code Cmovcc(ConditionCode cc, int size) => (cc, size) switch
    {
        (ConditionCode.o, 2) => Code.Cmovo_r16_rm16,
        (ConditionCode.o, 4) => Code.Cmovo_r32_rm32,
        (ConditionCode.o, 8) => Code.Cmovo_r64_rm64,
        (ConditionCode.no, 2) => Code.Cmovno_r16_rm16,
        (ConditionCode.no, 4) => Code.Cmovno_r32_rm32,
        (ConditionCode.no, 8) => Code.Cmovno_r64_rm64,
        (ConditionCode.b, 2) => Code.Cmovb_r16_rm16,
        (ConditionCode.b, 4) => Code.Cmovb_r32_rm32,
        (ConditionCode.b, 8) => Code.Cmovb_r64_rm64,
        (ConditionCode.ae, 2) => Code.Cmovae_r16_rm16,
        (ConditionCode.ae, 4) => Code.Cmovae_r32_rm32,
        (ConditionCode.ae, 8) => Code.Cmovae_r64_rm64,
        (ConditionCode.e, 2) => Code.Cmove_r16_rm16,
        (ConditionCode.e, 4) => Code.Cmove_r32_rm32,
        (ConditionCode.e, 8) => Code.Cmove_r64_rm64,
        (ConditionCode.ne, 2) => Code.Cmovne_r16_rm16,
        (ConditionCode.ne, 4) => Code.Cmovne_r32_rm32,
        (ConditionCode.ne, 8) => Code.Cmovne_r64_rm64,
        (ConditionCode.be, 2) => Code.Cmovbe_r16_rm16,
        (ConditionCode.be, 4) => Code.Cmovbe_r32_rm32,
        (ConditionCode.be, 8) => Code.Cmovbe_r64_rm64,
        (ConditionCode.a, 2) => Code.Cmova_r16_rm16,
        (ConditionCode.a, 4) => Code.Cmova_r32_rm32,
        (ConditionCode.a, 8) => Code.Cmova_r64_rm64,
        (ConditionCode.s, 2) => Code.Cmovs_r16_rm16,
        (ConditionCode.s, 4) => Code.Cmovs_r32_rm32,
        (ConditionCode.s, 8) => Code.Cmovs_r64_rm64,
        (ConditionCode.ns, 2) => Code.Cmovns_r16_rm16,
        (ConditionCode.ns, 4) => Code.Cmovns_r32_rm32,
        (ConditionCode.ns, 8) => Code.Cmovns_r64_rm64,
        (ConditionCode.p, 2) => Code.Cmovp_r16_rm16,
        (ConditionCode.p, 4) => Code.Cmovp_r32_rm32,
        (ConditionCode.p, 8) => Code.Cmovp_r64_rm64,
        (ConditionCode.np, 2) => Code.Cmovnp_r16_rm16,
        (ConditionCode.np, 4) => Code.Cmovnp_r32_rm32,
        (ConditionCode.np, 8) => Code.Cmovnp_r64_rm64,
        (ConditionCode.l, 2) => Code.Cmovl_r16_rm16,
        (ConditionCode.l, 4) => Code.Cmovl_r32_rm32,
        (ConditionCode.l, 8) => Code.Cmovl_r64_rm64,
        (ConditionCode.ge, 2) => Code.Cmovge_r16_rm16,
        (ConditionCode.ge, 4) => Code.Cmovge_r32_rm32,
        (ConditionCode.ge, 8) => Code.Cmovge_r64_rm64,
        (ConditionCode.le, 2) => Code.Cmovle_r16_rm16,
        (ConditionCode.le, 4) => Code.Cmovle_r32_rm32,
        (ConditionCode.le, 8) => Code.Cmovle_r64_rm64,
        (ConditionCode.g, 2) => Code.Cmovg_r16_rm16,
        (ConditionCode.g, 4) => Code.Cmovg_r32_rm32,
        (ConditionCode.g, 8) => Code.Cmovg_r64_rm64,
        _ => throw new ArgumentOutOfRangeException(nameof(cc)),
    };

    /// <summary>Jcc to <paramref name="target"/>.</summary>
    public static void Jcc(Assembler a, ConditionCode cc, Label target)
    {
        switch (cc)
        {
            case ConditionCode.o:
                a.jo(target);
                break;
            case ConditionCode.no:
                a.jno(target);
                break;
            case ConditionCode.b:
                a.jb(target);
                break;
            case ConditionCode.ae:
                a.jae(target);
                break;
            case ConditionCode.e:
                a.je(target);
                break;
            case ConditionCode.ne:
                a.jne(target);
                break;
            case ConditionCode.be:
                a.jbe(target);
                break;
            case ConditionCode.a:
                a.ja(target);
                break;
            case ConditionCode.s:
                a.js(target);
                break;
            case ConditionCode.ns:
                a.jns(target);
                break;
            case ConditionCode.p:
                a.jp(target);
                break;
            case ConditionCode.np:
                a.jnp(target);
                break;
            case ConditionCode.l:
                a.jl(target);
                break;
            case ConditionCode.ge:
                a.jge(target);
                break;
            case ConditionCode.le:
                a.jle(target);
                break;
            case ConditionCode.g:
                a.jg(target);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(cc));
        }
    }
}
