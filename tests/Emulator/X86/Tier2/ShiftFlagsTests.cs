using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Shifts by an immediate count, whose result and flags a compiled block computes in IL for that count: every
/// width, counts of 1, within, at and past the operand's width, read back through SETcc and at a page fault,
/// against the interpreter.
/// </summary>
[TestFixture]
public class ShiftFlagsTests
{
    private const ulong Handler = 0x30000;

    private static readonly int[] Counts = [1, 3, 7, 8, 9, 15, 16, 17, 31];

    [Test]
    public void Shifts_by_immediate_counts_set_the_flags_the_interpreter_sets()
    {
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rcx, 40);
                a.mov(r15, 0x8000_0000_0000_0001UL);
                a.Label(ref top);
                // A value whose bits change each iteration: sign, low and middle bits all take both states.
                a.imul(r15, r15, 0x41C64E6D);
                a.add(r15, rcx);
                foreach (var count in Counts)
                {
                    Shift(a, count, (x, c) => x.shl(r8, c), (x, c) => x.shl(r9d, c), (x, c) => x.shl(r10w, c), (x, c) => x.shl(r8b, c), (x, c) => x.shl(ah, c));
                    Shift(a, count, (x, c) => x.shr(r8, c), (x, c) => x.shr(r9d, c), (x, c) => x.shr(r10w, c), (x, c) => x.shr(r8b, c), (x, c) => x.shr(ah, c));
                    Shift(a, count, (x, c) => x.sar(r8, c), (x, c) => x.sar(r9d, c), (x, c) => x.sar(r10w, c), (x, c) => x.sar(r8b, c), (x, c) => x.sar(ah, c));
                }
                a.shl(r15, 63); // a count past 31 with REX.W
                Observe(a);
                a.dec(rcx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    [Test]
    public void A_fault_after_a_shift_sees_the_shift_flags_the_interpreter_sees()
    {
        // The shift's flags are live only because the load after it may fault: at the fault RFLAGS (and the frame
        // pushed for it) must hold them.
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rbx, 0xF000_0000UL);
                a.mov(rsi, 0x8123_4567_89AB_CDEFUL);
                a.Label(ref top);
                a.add(rsi, rbx);
                a.shr(rsi, 7);
                a.mov(rax, __qword_ptr[rbx]);
                a.shl(esi, 9);
                a.mov(rdx, __qword_ptr[rbx + 8]);
                a.sar(si, 3);
                a.add(rbx, 0x10_0000);
                a.mov(rax, __qword_ptr[rbx]);
                a.jmp(top);
            });
            m.Load(64, Handler, a => a.hlt());
            m.EnterLong64(TestMachine.CodeBase);
            m.WriteGdt();
            m.SetGate64(14, Handler);
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Cr2.ShouldBe(0x1_0000_0000UL);
        pair.SameMemory(TestMachine.StackTop - 0x40, 0x40);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    /// <summary>Loads R8–R10 and RAX (AH is the high-byte form) from R15, shifts each by <paramref name="count"/>, and folds every result and flag into R11–R14.</summary>
    private static void Shift(Assembler a, int count, params Action<Assembler, byte>[] shifts)
    {
        foreach (var shift in shifts)
        {
            a.mov(r8, r15);
            a.mov(r9, r15);
            a.mov(r10, r15);
            a.mov(rax, r15);
            shift(a, (byte)count);
            Observe(a);
        }
    }

    /// <summary>Reads CF, OF, SF, ZF and PF through SETcc and adds them, with the shifted registers, into R11–R14.</summary>
    private static void Observe(Assembler a)
    {
        a.setb(bl);
        a.seto(bh);
        a.sets(dl);
        a.sete(dh);
        a.setp(sil);
        a.add(r11, rbx);
        a.add(r12, rdx);
        a.add(r13, rsi);
        a.add(r14, r8);
        a.add(r14, r9);
        a.add(r14, r10);
        a.add(r14, rax);
        a.imul(r14, r14, 31);
    }
}
