using System.Numerics;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// The interpreter's lazy-flag evaluation (<c>X86Cpu.Flags</c>) on an explicit state, for compiled code whose
/// flag producer is not known at translation time (it came from before the block or from another path).
/// </summary>
internal static class LazyFlags
{
    private static ulong Sign(int size) => X86Cpu.SignBit(size);

    public static bool Cf(LazyOp op, ulong a, ulong b, ulong r, ulong aux, ulong arith) => op switch
    {
        LazyOp.None => (arith & FlagBits.CF) != 0,
        LazyOp.Add => r < a,
        LazyOp.Adc => r < a || (aux != 0 && r == a),
        LazyOp.Sub => a < b,
        LazyOp.Sbb => a < b || (aux != 0 && a == b),
        LazyOp.Logic => false,
        _ => aux != 0,
    };

    private static bool Zf(LazyOp op, ulong r, ulong arith) => op == LazyOp.None ? (arith & FlagBits.ZF) != 0 : r == 0;

    private static bool Sf(LazyOp op, ulong r, ulong arith, int size) => op == LazyOp.None ? (arith & FlagBits.SF) != 0 : (r & Sign(size)) != 0;

    private static bool Pf(LazyOp op, ulong r, ulong arith)
        => op == LazyOp.None ? (arith & FlagBits.PF) != 0 : (BitOperations.PopCount((uint)(byte)r) & 1) == 0;

    private static bool Of(LazyOp op, ulong a, ulong b, ulong r, ulong arith, int size) => op switch
    {
        LazyOp.None => (arith & FlagBits.OF) != 0,
        LazyOp.Add or LazyOp.Adc or LazyOp.Inc => ((a ^ r) & (b ^ r) & Sign(size)) != 0,
        LazyOp.Sub or LazyOp.Sbb or LazyOp.Dec => ((a ^ b) & (a ^ r) & Sign(size)) != 0,
        _ => false,
    };

    /// <summary>The six arithmetic flags of the state as RFLAGS bits (the interpreter's <c>X86Cpu.ArithFlags</c>).</summary>
    public static ulong Arith(LazyOp op, ulong a, ulong b, ulong r, ulong aux, ulong arith, int size)
    {
        if (op == LazyOp.None)
            return arith;
        var f = op == LazyOp.Logic ? 0 : (a ^ b ^ r) & FlagBits.AF;
        if (Cf(op, a, b, r, aux, arith)) f |= FlagBits.CF;
        if (Pf(op, r, arith)) f |= FlagBits.PF;
        if (Zf(op, r, arith)) f |= FlagBits.ZF;
        if (Sf(op, r, arith, size)) f |= FlagBits.SF;
        if (Of(op, a, b, r, arith, size)) f |= FlagBits.OF;
        return f;
    }

    /// <summary>Condition <paramref name="cc"/> on the state (SDM Vol. 2A Jcc: the conditions in terms of flags).</summary>
    public static bool Condition(ConditionCode cc, LazyOp op, ulong a, ulong b, ulong r, ulong aux, ulong arith, int size)
    {
        bool cf = Cf(op, a, b, r, aux, arith), zf = Zf(op, r, arith), sf = Sf(op, r, arith, size), of = Of(op, a, b, r, arith, size);
        return cc switch
        {
            ConditionCode.o => of,
            ConditionCode.no => !of,
            ConditionCode.b => cf,
            ConditionCode.ae => !cf,
            ConditionCode.e => zf,
            ConditionCode.ne => !zf,
            ConditionCode.be => cf || zf,
            ConditionCode.a => !cf && !zf,
            ConditionCode.s => sf,
            ConditionCode.ns => !sf,
            ConditionCode.p => Pf(op, r, arith),
            ConditionCode.np => !Pf(op, r, arith),
            ConditionCode.l => sf != of,
            ConditionCode.ge => sf == of,
            ConditionCode.le => zf || sf != of,
            ConditionCode.g => !zf && sf == of,
            _ => true,
        };
    }
}
