using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// What a compiled A64 block holds: the instructions that have run from its head (not the paths the guest never
/// took), and not the code another compiled block starts with (that block is entered by chaining instead).
/// Both keep the JIT's work on code that runs; results stay the interpreter's.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64BlockShapeTests(bool hostCode) : A64BothBackEnds(hostCode)
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
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(source));
        pair.ShouldAgree("loop with a cold path");
        pair.Tiered.Cpu[0].ShouldBe(100UL);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBe(1);
        stats.GuestInstructions.ShouldBe(5);
    }

    [Test]
    public void A_block_leaves_the_head_of_a_larger_compiled_block_to_that_block()
    {
        // The inner loop (26 instructions, more than TierPolicy.InlinedBlockLimit) is compiled first. The outer loop's
        // block then stops at its head, so the inner loop's code is compiled once.
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(NestedLoops(innerAdds: 24)));
        pair.ShouldAgree("nested loops, a large inner one");
        pair.Tiered.Cpu[0].ShouldBe(2400UL);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.GuestInstructions.ShouldBeLessThan(26 * 2, "the inner loop's 26 instructions were not compiled again");
        stats.Chained.ShouldBeGreaterThan(0);
    }

    [Test]
    public void A_block_takes_in_a_small_compiled_block_it_reaches()
    {
        // The inner loop (three instructions) is compiled first; the outer loop's block takes its code in rather than
        // chaining into it twice per outer pass.
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(NestedLoops(innerAdds: 1)));
        pair.ShouldAgree("nested loops, a small inner one");
        pair.Tiered.Cpu[0].ShouldBe(100UL);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.GuestInstructions.ShouldBeGreaterThanOrEqualTo(3 + 6, "the outer block holds the inner loop's three instructions too");
        stats.Chained.ShouldBeLessThan(6, "chaining between the two loops on every pass would make about 20");
    }

    /// <summary>Ten passes of an outer loop around an inner loop of ten passes, each adding 1 to x0 <paramref name="innerAdds"/> times.</summary>
    private static string NestedLoops(int innerAdds) => $"""
            mov x0, #0
            mov x1, #10
        outer:
            mov x2, #10
        inner:
        {string.Concat(Enumerable.Repeat("    add x0, x0, #1\n", innerAdds))}
            subs x2, x2, #1
            b.ne inner
            subs x1, x1, #1
            b.ne outer
        """;

    /// <summary>
    /// A loop reading NZCV (just written by SUBS), the virtual counter (the instruction count, Arm ARM D12.1) and
    /// TPIDR_EL1 with MRS: all eight instructions are one compiled block, and every read matches the interpreter's,
    /// at budgets that stop anywhere in the loop too.
    /// </summary>
    private const string SystemRegisterLoop = """
            ldr x0, =0x1234
            msr tpidr_el1, x0
            mov x1, #200
            mov x2, #0
            mov x3, #0
        loop:
            subs x1, x1, #1
            mrs x4, nzcv
            add x2, x2, x4, lsr #28
            mrs x5, cntvct_el0
            add x3, x3, x5
            mrs x6, tpidr_el1
            add x6, x6, x1
            b.ne loop
        """;

    [Test]
    public void System_register_reads_stay_inside_the_IL_block_and_read_what_the_interpreter_reads()
    {
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(SystemRegisterLoop));
        pair.ShouldAgree("mrs loop");
        pair.Tiered.Cpu[6].ShouldBe(0x1234UL);
        var stats = pair.Tiered.Cpu.Tiering;
        if (HostCode)
        {
            // Host code has no MRS: its blocks end before each one, which the interpreter runs.
            stats.Compiled.ShouldBeGreaterThan(1);
            return;
        }
        stats.Compiled.ShouldBe(1);
        stats.GuestInstructions.ShouldBe(8);
    }

    /// <summary>
    /// MRS of SP_EL0 (banked while SPSel selects SP_EL1, SP itself under SPSel 0) and of TPIDR_EL1, which host code reads
    /// inside its block: the same sums as the interpreter's at every budget.
    /// </summary>
    [TestCase(1)]
    [TestCase(0)]
    public void Stack_pointer_and_thread_register_reads_match_at_every_budget(int spSel)
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth($"""
                ldr x5, =0x1234567800
                msr tpidr_el1, x5
                ldr x6, =0x40180000
                msr sp_el0, x6
                msr spsel, #{spSel}
                mov sp, x6
                mov x1, #500
            loop:
                mrs x2, sp_el0
                add x3, x3, x2
                mrs x4, tpidr_el1
                add x3, x3, x4, lsr #4
                sub sp, sp, #16
                subs x1, x1, #1
                b.ne loop
            """);
        pair.RunInChunks(40);
        pair.Run(1_000_000, "the rest").Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
        if (HostCode)
            pair.Tiered.Cpu.Tiering.Retired.ShouldBeGreaterThan(1_000);
    }

    [Test]
    public void System_register_reads_in_compiled_code_match_at_every_budget()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(SystemRegisterLoop);
        pair.RunInChunks(40);
        pair.Run(1_000_000, "the rest");
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
    }

    /// <summary>A loop calling, through BLR, a function in the next code page: every call and return crosses a page.</summary>
    private const string CrossPageCallLoop = """
            mov x0, #0
            mov x1, #300
            adr x9, twice
        loop:
            blr x9
            add x0, x0, #1
            subs x1, x1, #1
            b.ne loop
            b done
            .balign 4096
        twice:
            add x0, x0, x0
            eor x0, x0, x1
            ret
        done:
        """;

    [Test]
    public void Calls_and_returns_to_another_code_page_chain_without_the_run_loop()
    {
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(CrossPageCallLoop));
        pair.ShouldAgree("cross-page call loop");
        var stats = pair.Tiered.Cpu.Tiering;
        // Two blocks per iteration (the function, and the return site's, which takes in the call's one-instruction
        // block); once both are compiled only the first entry and the final exit go through the run loop.
        stats.Chained.ShouldBeGreaterThan(2 * 290);
        (stats.Entries - stats.Chained).ShouldBeLessThan(10);
    }

    [Test]
    public void Chains_across_pages_stop_at_every_budget_and_breakpoint_where_the_interpreter_stops()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(CrossPageCallLoop);
        pair.RunInChunks(40);
        // The function's first instruction, entered only by chaining from the call's block in the other page.
        var twice = Arm64TestMachine.CodeBase + 0x1000;
        pair.Both(m => m.Cpu.AddBreakpoint(twice));
        for (var i = 0; i < 3; i++)
        {
            var hit = pair.Run(1_000_000, $"stop {i}");
            hit.Reason.ShouldBe(StopReason.Breakpoint);
            hit.Pc.ShouldBe(twice);
        }
    }

    [Test]
    public void Every_branch_condition_in_compiled_code_decides_as_the_interpreter_does()
    {
        // x3 and x4 sweep signs, equality and signed overflow (adds of two large values), so each condition
        // (Arm ARM C1.2.4) is taken and not taken; x10..x25 count, per condition, the times it was not taken.
        string[] conditions = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"];
        var body = new System.Text.StringBuilder();
        for (var i = 0; i < conditions.Length; i++)
            body.Append($"""
                    adds xzr, x3, x4
                    b.{conditions[i]} c{i}
                    add x{10 + i}, x{10 + i}, #1
                c{i}:

                """);
        var source = $"""
                mov x1, #64
                ldr x5, =0x9E3779B97F4A7C15
                mov x3, #0
                mov x4, #0
            loop:
                eor x3, x3, x5
                ror x3, x3, #7
                add x4, x4, x5, lsr #1
                tst x1, #8
                csel x4, x4, x3, eq
            {body}
                subs x1, x1, #1
                b.ne loop
            """;
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(source));
        pair.ShouldAgree("branch conditions");
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }
}
