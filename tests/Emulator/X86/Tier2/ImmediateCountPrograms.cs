using Iced.Intel;
using LoaderHarness.Emulator.Core;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// The programs of the tests of operations by an immediate count (<see cref="ShiftFlagsTests"/>, <see cref="RotateFlagsTests"/>),
/// run on both tiers and compared: a loop over every count, and a loop whose loads fault while the operation's flags are live.
/// </summary>
internal static class ImmediateCountPrograms
{
    private const ulong Handler = 0x30000;

    /// <summary>Counts within, at and past the 8- and 16-bit widths, and the largest without REX.W.</summary>
    public static readonly int[] Counts = [1, 3, 7, 8, 9, 15, 16, 17, 31];

    /// <summary>
    /// 40 iterations: <paramref name="head"/>, then R15 takes a new value whose sign, low and middle bits all take both
    /// states, then <paramref name="perCount"/> for each of <see cref="Counts"/>, then <paramref name="tail"/> and
    /// <see cref="Observe"/>; both tiers must end alike at HLT, with something compiled.
    /// </summary>
    public static void RunCountsLoop(Action<Assembler> head, Action<Assembler, int> perCount, Action<Assembler> tail, bool rflags)
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
                head(a);
                a.imul(r15, r15, 0x41C64E6D);
                a.add(r15, rcx);
                foreach (var count in Counts)
                    perCount(a, count);
                tail(a);
                Observe(a, rflags);
                a.dec(rcx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    /// <summary>
    /// <paramref name="body"/> (over RSI, with loads from RBX) in a loop whose RBX moves 1 MiB per iteration until its load
    /// faults at 4 GiB: at the fault both tiers must hold the same RFLAGS, CR2 and exception frame.
    /// </summary>
    public static void RunFaultLoop(Action<Assembler> body)
    {
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rbx, 0xF000_0000UL);
                a.mov(rsi, 0x8123_4567_89AB_CDEFUL);
                a.Label(ref top);
                body(a);
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

    /// <summary>Loads R8–R10 and RAX (AH is the high-byte form) from R15, the operands of the forms under test.</summary>
    public static void LoadOperands(Assembler a)
    {
        a.mov(r8, r15);
        a.mov(r9, r15);
        a.mov(r10, r15);
        a.mov(rax, r15);
    }

    /// <summary>
    /// Reads CF, OF, SF, ZF and PF through SETcc (and with <paramref name="rflags"/> all of RFLAGS, AF too, through PUSHFQ)
    /// and adds them, with R8–R10 and RAX, into R11–R14.
    /// </summary>
    public static void Observe(Assembler a, bool rflags)
    {
        a.setb(bl);
        a.seto(bh);
        a.sets(dl);
        a.sete(dh);
        a.setp(sil);
        if (rflags)
        {
            a.pushfq();
            a.pop(rbp);
            a.add(r13, rbp);
        }
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
