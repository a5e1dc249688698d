using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// ROL and ROR by an immediate count, which a compiled block computes in IL: every width, counts within, at and past
/// the operand's width, after each kind of flag producer (explicit bits, an addition whose AF comes from its operands,
/// a logical operation, none known at the block's head), read back through SETcc, PUSHFQ and at a page fault, against
/// the interpreter (SDM Vol. 2B RCL/RCR/ROL/ROR: only CF and OF change).
/// </summary>
[TestFixture]
public class RotateFlagsTests
{
    private const ulong Handler = 0x30000;

    private static readonly int[] Counts = [1, 3, 7, 8, 9, 15, 16, 17, 31];

    private const int Iterations = 40;

    [Test]
    public void Rotates_by_immediate_counts_set_the_flags_the_interpreter_sets()
    {
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rcx, Iterations);
                a.mov(r15, 0x8000_0000_0000_0001UL);
                a.Label(ref top);
                a.ror(r15, 7); // the block's head: the producer before it is not known here
                Observe(a);
                a.imul(r15, r15, 0x41C64E6D);
                a.add(r15, rcx);
                foreach (var count in Counts)
                {
                    Rotate(a, count, (x, c) => x.rol(r8, c), (x, c) => x.rol(r9d, c), (x, c) => x.rol(r10w, c), (x, c) => x.rol(r8b, c), (x, c) => x.rol(ah, c));
                    Rotate(a, count, (x, c) => x.ror(r8, c), (x, c) => x.ror(r9d, c), (x, c) => x.ror(r10w, c), (x, c) => x.ror(r8b, c), (x, c) => x.ror(ah, c));
                }
                a.rol(r15, 63); // a count past 31 with REX.W
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
    public void Rotates_do_not_end_a_compiled_block()
    {
        // Left to the interpreter, each rotate would end the block and the loop would enter compiled code at least four
        // times per iteration; compiled, once.
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rcx, 1000);
                a.mov(eax, 0x6A09E667);
                a.Label(ref top);
                a.add(eax, ecx);
                a.rol(eax, 16);
                a.xor(eax, ecx);
                a.ror(eax, 12);
                a.add(eax, 0x3C6EF372);
                a.rol(eax, 8);
                a.ror(rax, 7);
                a.dec(rcx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeLessThan(1000 * 2);
    }

    [Test]
    public void A_fault_after_a_rotate_sees_the_rotate_flags_the_interpreter_sees()
    {
        // The rotate's flags are live only because the load after it may fault: at the fault RFLAGS (and the frame
        // pushed for it) must hold them, with the preceding addition's ZF, SF, PF and AF.
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
                a.ror(rsi, 7);
                a.mov(rax, __qword_ptr[rbx]);
                a.xor(esi, 0x1234);
                a.rol(esi, 9);
                a.mov(rdx, __qword_ptr[rbx + 8]);
                a.sub(si, 0x777);
                a.rol(si, 3);
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

    /// <summary>
    /// Loads R8–R10 and RAX (AH is the high-byte form) from R15, sets the flags by one of three kinds of producer (an
    /// addition, whose AF comes from its operands; a logical operation; a multiply's explicit bits), rotates each by
    /// <paramref name="count"/>, and folds every result and flag into R11–R14.
    /// </summary>
    private static void Rotate(Assembler a, int count, params Action<Assembler, byte>[] rotates)
    {
        var producer = 0;
        foreach (var rotate in rotates)
        {
            a.mov(r8, r15);
            a.mov(r9, r15);
            a.mov(r10, r15);
            a.mov(rax, r15);
            switch (producer++ % 3)
            {
                case 0:
                    a.add(rdi, r15);
                    break;
                case 1:
                    a.xor(rdi, r15);
                    break;
                default:
                    a.imul(rdi, rdi, 3);
                    break;
            }
            rotate(a, (byte)count);
            Observe(a);
        }
    }

    /// <summary>Reads CF, OF, SF, ZF and PF through SETcc and all of RFLAGS (AF too) through PUSHFQ, and adds them, with the rotated registers, into R11–R14.</summary>
    private static void Observe(Assembler a)
    {
        a.setb(bl);
        a.seto(bh);
        a.sets(dl);
        a.sete(dh);
        a.setp(sil);
        a.pushfq();
        a.pop(rbp);
        a.add(r11, rbx);
        a.add(r12, rdx);
        a.add(r13, rsi);
        a.add(r13, rbp);
        a.add(r14, r8);
        a.add(r14, r9);
        a.add(r14, r10);
        a.add(r14, rax);
        a.imul(r14, r14, 31);
    }
}
