using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// INC and DEC keep CF (SDM Vol. 2A INC, DEC): a compiled block passes the carry from before a loop, or from the
/// last producer of the previous iteration, through INC/DEC across the back edge. Read inside the loop and after
/// it (ADC, SBB, SETC, JC, PUSHF) and at budget stops in the middle, against the interpreter: a CF dropped, or
/// stale from the block's entry or an earlier iteration, changes RAX, the SETC sums or RFLAGS.
/// </summary>
[TestFixture]
public class CarryThroughIncDecTests
{
    [Test]
    public void Inc_and_dec_carry_the_carry_across_the_back_edge_as_the_interpreter_does()
    {
        using var pair = Loop();
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
        pair.Tiered.Cpu[Iced.Intel.Register.R11].ShouldBeGreaterThan(0UL, "some iterations saw CF set");
    }

    [Test]
    public void Budget_stops_inside_the_loop_see_the_carry_the_interpreter_sees()
    {
        using var pair = Loop();
        // Stops at every offset inside the loop body over many iterations: RFLAGS and the registers must agree at each.
        for (ulong budget = 3; budget < 60; budget++)
        {
            if (pair.Run(budget, $"budget {budget}").Reason == StopReason.Halt)
                break;
        }
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    /// <summary>
    /// A loop whose head starts with INC (CF from the block's entry or the back edge) and whose latch starts with DEC
    /// (CF from an ADD that carries on some iterations, through a basic block that touches no flags, or from a CMP), with CF read by ADC, SBB,
    /// SETC and JC inside and by ADC, SETC and PUSHF after it.
    /// </summary>
    private static TierPair Loop()
    {
        var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                var noAdd = a.CreateLabel();
                var latch = a.CreateLabel();
                var noJump = a.CreateLabel();
                var pass = a.CreateLabel();
                a.mov(rcx, 300);
                a.mov(r9, 0x9E37_79B9_7F4A_7C15UL);
                a.mov(r10, 0xC2B2_AE3D_27D4_EB4FUL);
                a.stc(); // CF set before the loop: the first INC must keep it
                a.Label(ref top);
                a.inc(rsi);
                a.adc(rax, r10); // CF through INC: from the entry, or from the ADD/AND of the previous iteration
                a.dec(rdi);
                a.setc(bl);
                a.add(r11, rbx);
                a.inc(r8d);
                a.jc(noJump);
                a.add(r12, 1);
                a.Label(ref noJump);
                a.mov(rdx, rcx);
                a.and(rdx, 3); // CF = 0
                a.jz(noAdd);
                a.add(r9, r10); // CF = the carry out, on three iterations of four
                a.jmp(pass);
                a.Label(ref noAdd);
                a.inc(r13b);
                a.sbb(r14, 0); // CF of the AND through INC: 0
                a.cmp(r14, r9); // CF = borrow
                a.Label(ref latch);
                a.dec(rcx); // keeps the CF of the ADD, the CMP or the AND
                a.jnz(top);
                a.adc(rax, 0);
                a.setc(bh);
                a.pushfq();
                a.pop(r15);
                a.hlt();
                a.Label(ref pass); // a basic block that touches no flags between the ADD and the DEC
                a.mov(rdx, r9);
                a.lea(rbx, __[rbx + 1]);
                a.jmp(latch);
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        return pair;
    }
}
