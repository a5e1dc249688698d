using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;
using static LoaderHarness.Tests.Emulator.X86.Tier2.ImmediateCountPrograms;

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
    [Test]
    public void Rotates_by_immediate_counts_set_the_flags_the_interpreter_sets() => RunCountsLoop(
        head: a =>
        {
            a.ror(r15, 7); // the block's head: the producer before it is not known here
            Observe(a, rflags: true);
        },
        perCount: (a, count) =>
        {
            Rotate(a, count, (x, c) => x.rol(r8, c), (x, c) => x.rol(r9d, c), (x, c) => x.rol(r10w, c), (x, c) => x.rol(r8b, c), (x, c) => x.rol(ah, c));
            Rotate(a, count, (x, c) => x.ror(r8, c), (x, c) => x.ror(r9d, c), (x, c) => x.ror(r10w, c), (x, c) => x.ror(r8b, c), (x, c) => x.ror(ah, c));
        },
        tail: a => a.rol(r15, 63), // a count past 31 with REX.W
        rflags: true);

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

    /// <summary>
    /// The rotate's flags are live only because the load after it may fault: at the fault RFLAGS (and the frame pushed
    /// for it) must hold them, with the preceding operation's ZF, SF, PF and AF.
    /// </summary>
    [Test]
    public void A_fault_after_a_rotate_sees_the_rotate_flags_the_interpreter_sees() => RunFaultLoop(a =>
    {
        a.add(rsi, rbx);
        a.ror(rsi, 7);
        a.mov(rax, __qword_ptr[rbx]);
        a.xor(esi, 0x1234);
        a.rol(esi, 9);
        a.mov(rdx, __qword_ptr[rbx + 8]);
        a.sub(si, 0x777);
        a.rol(si, 3);
    });

    /// <summary>
    /// Each of <paramref name="rotates"/> by <paramref name="count"/> on fresh operands, after one of three kinds of flag
    /// producer in turn (an addition, whose AF comes from its operands; a logical operation; a multiply's explicit bits),
    /// every result and flag observed.
    /// </summary>
    private static void Rotate(Assembler a, int count, params Action<Assembler, byte>[] rotates)
    {
        var producer = 0;
        foreach (var rotate in rotates)
        {
            LoadOperands(a);
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
            Observe(a, rflags: true);
        }
    }
}
