using System.Runtime.CompilerServices;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Fused pairs: a flag-setting ALU operation between registers or with an immediate (CMP, TEST, SUB, AND, ADD, XOR, OR)
/// and the conditional jump right after it, the pair x86 cores themselves macro-fuse (Intel Optimization Reference
/// Manual §3.4.2.2, "Optimizing for Macro-fusion"), run in one handler once the interpreter's chain has linked them.
/// Each is still its own instruction: the pair counts two, and when the run's limit (budget, stop, interrupt shadow)
/// falls between them the handler stops after the first, RIP on the jump, as the unfused chain would.
/// </summary>
internal static unsafe partial class OperandForms
{
    /// <summary><see cref="DecodedInstruction.Fusion"/> of a conditional jump that can be fused into the instruction before it.</summary>
    public const byte FusibleJump = 0xFF;

    /// <summary><see cref="DecodedInstruction.Fusion"/> of an instruction whose handler already runs the jump after it.</summary>
    public const byte Fused = 1;

    /// <summary>
    /// What <paramref name="d"/> can be fused as, in 64-bit mode: <see cref="FusibleJump"/> for a Jcc; for a fusible ALU form,
    /// twice its operation's number plus 1 for an immediate source (the key <see cref="FusedHandler"/> takes); else 0.
    /// </summary>
    public static byte FusionOf(ref DecodedInstruction d, int bitness)
    {
        if (bitness != 64)
            return 0;
        if (d.I.IsJccShortOrNear)
            return FusibleJump;
        if (d.K0 != OperandKind.Gpr || d.K1 is not (OperandKind.Gpr or OperandKind.Immediate))
            return 0;
        var op = d.I.Mnemonic switch
        {
            Mnemonic.Cmp => 1,
            Mnemonic.Test => 2,
            Mnemonic.Sub => 3,
            Mnemonic.And => 4,
            Mnemonic.Add => 5,
            Mnemonic.Xor => 6,
            Mnemonic.Or => 7,
            _ => 0,
        };
        return op == 0 ? (byte)0 : (byte)((op * 2) + (d.K1 == OperandKind.Immediate ? 1 : 0));
    }

    /// <summary>The handler running the ALU form <paramref name="fusion"/> (from <see cref="FusionOf"/>) and then the jump after it.</summary>
    public static delegate*<X86Cpu, ref DecodedInstruction, void> FusedHandler(byte fusion) => fusion switch
    {
        2 => &FusedRR<CmpOp>,
        3 => &FusedRI<CmpOp>,
        4 => &FusedRR<TestOp>,
        5 => &FusedRI<TestOp>,
        6 => &FusedRR<SubOp>,
        7 => &FusedRI<SubOp>,
        8 => &FusedRR<AndOp>,
        9 => &FusedRI<AndOp>,
        10 => &FusedRR<AddOp>,
        11 => &FusedRI<AddOp>,
        12 => &FusedRR<XorOp>,
        13 => &FusedRI<XorOp>,
        14 => &FusedRR<OrOp>,
        _ => &FusedRI<OrOp>,
    };

    private static void FusedRR<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        ulong a = GetR0(c, ref d), b = GetR1(c, ref d);
        var v = TOp.Apply(c, a, b, d.M0, d.OpSize);
        if (TOp.Writes)
            SetR0(c, ref d, v);
        Jump<TOp>(c, ref d, a, b);
    }

    private static void FusedRI<TOp>(X86Cpu c, ref DecodedInstruction d) where TOp : struct, IAluOp
    {
        ulong a = GetR0(c, ref d), b = d.Imm;
        var v = TOp.Apply(c, a, b, d.M0, d.OpSize);
        if (TOp.Writes)
            SetR0(c, ref d, v);
        Jump<TOp>(c, ref d, a, b);
    }

    /// <summary>The fused Jcc: its address is kept in <see cref="DecodedInstruction.Disp"/> (a register form has no displacement), its condition in Cc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Jump<TOp>(X86Cpu c, ref DecodedInstruction d, ulong a, ulong b) where TOp : struct, IAluOp
    {
        if (!c.EnterFusedJump(d.Disp))
            c.NextRip = d.Disp;
        else if (Taken<TOp>(c, (ConditionCode)d.Cc, a, b, d.OpSize))
            c.NextRip = d.Target;
    }

    /// <summary>
    /// The jump's condition from the operands <paramref name="a"/> and <paramref name="b"/> the ALU form just used, as
    /// <see cref="X86Cpu.Condition"/> would compute it from the flags they set: CMP and SUB set them from a − b (the
    /// comparisons), TEST and AND from a AND b with CF and OF clear (SDM Vol. 2, "Jcc" and "TEST"); the rest ask it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Taken<TOp>(X86Cpu c, ConditionCode cc, ulong a, ulong b, int size) where TOp : struct, IAluOp
    {
        if (typeof(TOp) == typeof(CmpOp) || typeof(TOp) == typeof(SubOp))
        {
            var shift = 64 - (size * 8);
            switch (cc)
            {
                case ConditionCode.e: return a == b;
                case ConditionCode.ne: return a != b;
                case ConditionCode.b: return a < b;
                case ConditionCode.ae: return a >= b;
                case ConditionCode.be: return a <= b;
                case ConditionCode.a: return a > b;
                case ConditionCode.l: return (long)(a << shift) < (long)(b << shift);
                case ConditionCode.ge: return (long)(a << shift) >= (long)(b << shift);
                case ConditionCode.le: return (long)(a << shift) <= (long)(b << shift);
                case ConditionCode.g: return (long)(a << shift) > (long)(b << shift);
            }
        }
        else if (typeof(TOp) == typeof(TestOp) || typeof(TOp) == typeof(AndOp))
        {
            var r = a & b;
            var sf = (r & X86Cpu.SignBit(size)) != 0;
            switch (cc)
            {
                case ConditionCode.e: return r == 0;
                case ConditionCode.ne: return r != 0;
                case ConditionCode.s or ConditionCode.l: return sf;
                case ConditionCode.ns or ConditionCode.ge: return !sf;
                case ConditionCode.le: return r == 0 || sf;
                case ConditionCode.g: return r != 0 && !sf;
            }
        }
        return c.Condition(cc);
    }
}
