using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// What a compiled A64 block holds: the instructions that have run from its head (not the paths the guest never
/// took), and not the code another compiled block starts with (that block is entered by chaining instead).
/// Both keep the JIT's work on code that runs; results stay the interpreter's.
/// </summary>
[TestFixture]
public class A64BlockShapeTests
{
    [Test]
    public void A_block_holds_only_the_instructions_that_have_run()
    {
        // The loop is compiled on its second pass, when only its five instructions have run: the error path
        // behind the never-taken b.hi and the exit after the loop are left out.
        const string source = """
                mov x0, #0
                mov x1, #100
            loop:
                add x0, x0, #1
                cmp x0, #1000
                b.hi cold
                subs x1, x1, #1
                b.ne loop
                b done
            cold:
                mov x3, #1
                mov x4, #2
                mov x5, #3
                b done
            done:
            """;
        using var pair = new A64TierPair(threshold: 2);
        pair.Both(m => m.Run(source));
        pair.ShouldAgree("loop with a cold path");
        pair.Tiered.Cpu[0].ShouldBe(100UL);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBe(1);
        stats.GuestInstructions.ShouldBe(5);
    }

    [Test]
    public void A_block_leaves_the_head_of_another_compiled_block_to_that_block()
    {
        // The inner loop is compiled first (three instructions). The outer loop's block then stops at the inner
        // loop's head (one instruction, mov x2), and the outer loop's tail becomes a block of its own (two):
        // six compiled instructions, where an outer block taking the inner loop in again would make nine.
        const string source = """
                mov x0, #0
                mov x1, #10
            outer:
                mov x2, #10
            inner:
                add x0, x0, #1
                subs x2, x2, #1
                b.ne inner
                subs x1, x1, #1
                b.ne outer
            """;
        using var pair = new A64TierPair(threshold: 2);
        pair.Both(m => m.Run(source));
        pair.ShouldAgree("nested loops");
        pair.Tiered.Cpu[0].ShouldBe(100UL);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBe(3);
        stats.GuestInstructions.ShouldBe(6);
        stats.Chained.ShouldBeGreaterThan(0);
    }
}
