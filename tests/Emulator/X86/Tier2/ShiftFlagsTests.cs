using Iced.Intel;
using NUnit.Framework;
using static Iced.Intel.AssemblerRegisters;
using static LoaderHarness.Tests.Emulator.X86.Tier2.ImmediateCountPrograms;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Shifts by an immediate count, whose result and flags a compiled block computes in IL for that count: every
/// width, counts of 1, within, at and past the operand's width, read back through SETcc and at a page fault,
/// against the interpreter.
/// </summary>
[TestFixture]
public class ShiftFlagsTests
{
    [Test]
    public void Shifts_by_immediate_counts_set_the_flags_the_interpreter_sets() => RunCountsLoop(
        head: _ => { },
        perCount: (a, count) =>
        {
            Shift(a, count, (x, c) => x.shl(r8, c), (x, c) => x.shl(r9d, c), (x, c) => x.shl(r10w, c), (x, c) => x.shl(r8b, c), (x, c) => x.shl(ah, c));
            Shift(a, count, (x, c) => x.shr(r8, c), (x, c) => x.shr(r9d, c), (x, c) => x.shr(r10w, c), (x, c) => x.shr(r8b, c), (x, c) => x.shr(ah, c));
            Shift(a, count, (x, c) => x.sar(r8, c), (x, c) => x.sar(r9d, c), (x, c) => x.sar(r10w, c), (x, c) => x.sar(r8b, c), (x, c) => x.sar(ah, c));
        },
        tail: a => a.shl(r15, 63), // a count past 31 with REX.W
        rflags: false);

    /// <summary>The shift's flags are live only because the load after it may fault: at the fault RFLAGS (and the frame pushed for it) must hold them.</summary>
    [Test]
    public void A_fault_after_a_shift_sees_the_shift_flags_the_interpreter_sees() => RunFaultLoop(a =>
    {
        a.add(rsi, rbx);
        a.shr(rsi, 7);
        a.mov(rax, __qword_ptr[rbx]);
        a.shl(esi, 9);
        a.mov(rdx, __qword_ptr[rbx + 8]);
        a.sar(si, 3);
    });

    /// <summary>Each of <paramref name="shifts"/> by <paramref name="count"/> on fresh operands, every result and flag observed.</summary>
    private static void Shift(Assembler a, int count, params Action<Assembler, byte>[] shifts)
    {
        foreach (var shift in shifts)
        {
            LoadOperands(a);
            shift(a, (byte)count);
            Observe(a, rflags: false);
        }
    }
}
