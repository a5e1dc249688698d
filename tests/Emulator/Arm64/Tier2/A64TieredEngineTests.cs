using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// The A64 compiling tier on purpose-built loops: it compiles hot code, and stops, faults, breakpoints and
/// self-modifying code come out exactly as in the interpreter.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64TieredEngineTests(bool hostCode) : A64BothBackEnds(hostCode)
{

    private const string SumLoop = """
            mov x0, #0
            mov x1, #1000
            ldr x2, =0x40100000
        loop:
            add x0, x0, x1
            eor x3, x0, x1, lsl #3
            str x3, [x2, #8]!
            ldr x4, [x2, #-8]
            madd x5, x4, x1, x0
            subs x1, x1, #1
            b.ne loop
        """;

    [Test]
    public void A_hot_loop_is_compiled_and_ends_as_in_the_interpreter()
    {
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(SumLoop));
        pair.ShouldAgree("sum loop", (Arm64TestMachine.DataBase, 0x2000 * 8));
        pair.Tiered.Cpu[0].ShouldBe(500_500UL);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        stats.Entries.ShouldBeGreaterThan(0);
        stats.Capacity.ShouldBe(CompiledBlockCache<LoaderHarness.Emulator.Arm64.Tier2.A64CompiledBlock>.DefaultCapacity);
    }

    [TestCase(50UL)]
    [TestCase(1_001UL)]
    [TestCase(3_333UL)]
    public void A_budget_ending_inside_compiled_code_stops_on_the_same_instruction(ulong budget)
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(SumLoop);
        var result = pair.Run(budget, $"budget {budget}");
        result.Reason.ShouldBe(StopReason.Budget);
        result.Instructions.ShouldBe(budget);
        pair.Run(1_000_000, "the rest").Reason.ShouldBe(StopReason.Halt);
        pair.ShouldAgree("the rest", (Arm64TestMachine.DataBase, 0x2000 * 8));
    }

    [Test]
    public void A_breakpoint_set_in_a_compiled_loop_stops_there()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(SumLoop);
        pair.Run(500, "warm");
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
        // The madd: 6th instruction of the loop, which starts after the three set-up words (one is an ldr literal).
        var madd = Arm64TestMachine.CodeBase + 3 * 4 + 4 * 4;
        pair.Both(m => m.Cpu.AddBreakpoint(madd));
        var hit = pair.Run(1_000_000, "breakpoint");
        hit.Reason.ShouldBe(StopReason.Breakpoint);
        hit.Pc.ShouldBe(madd);
    }

    /// <summary>A loop calling a function through BLR: every call and return leaves its block (an indirect branch), to a compiled entry of the same page.</summary>
    private const string CallLoop = """
            mov x0, #0
            mov x1, #300
            adr x9, twice
        loop:
            blr x9
            add x0, x0, #1
            subs x1, x1, #1
            b.ne loop
            b done
        twice:
            add x0, x0, x0
            eor x0, x0, x1
            ret
        done:
        """;

    [Test]
    public void Blocks_left_through_an_indirect_branch_chain_to_the_compiled_target_with_the_interpreters_results()
    {
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(CallLoop));
        pair.ShouldAgree("call loop");
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(1);
        stats.Chained.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Chained_blocks_stop_at_every_budget_and_breakpoint_where_the_interpreter_stops()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(CallLoop);
        pair.RunInChunks(40).ShouldAllBe(r => r.Reason == StopReason.Budget);
        pair.Tiered.Cpu.Tiering.Chained.ShouldBeGreaterThan(0);
        // The add after the call: the return site, entered only by chaining from the function's RET.
        var site = Arm64TestMachine.CodeBase + 4 * 4;
        pair.Both(m => m.Cpu.AddBreakpoint(site));
        for (var i = 0; i < 3; i++)
        {
            var hit = pair.Run(1_000_000, $"stop {i}");
            hit.Reason.ShouldBe(StopReason.Breakpoint);
            hit.Pc.ShouldBe(site);
        }
    }

    [Test]
    public void Code_a_compiled_loop_rewrites_runs_in_its_new_form()
    {
        // Pass x7 = 25 stores "add x3, x3, #25" over the loop's first instruction, once the loop is compiled:
        // 26 passes add 1, the 24 after the store add 25, which only holds if the store drops the block at once.
        const string source = """
                mov x3, #0
                mov x7, #50
                adr x10, patch
                ldr w11, =0x91000063
            patch:
                add x3, x3, #1
                cmp x7, #25
                b.ne skip
                orr w8, w11, w7, lsl #10
                str w8, [x10]
            skip:
                subs x7, x7, #1
                b.ne patch
            """;
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Run(source));
        pair.ShouldAgree("self-modifying loop");
        pair.Interpreter.Cpu[3].ShouldBe(626UL);
        pair.Tiered.Cpu[3].ShouldBe(626UL);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(1);
    }

    [Test]
    public void Invalidating_the_code_cache_drops_compiled_blocks_and_the_run_goes_on_as_in_the_interpreter()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(SumLoop);
        pair.Run(2_000, "warm");
        var before = pair.Tiered.Cpu.Tiering;
        before.Resident.ShouldBeGreaterThan(0);
        before.GuestInstructions.ShouldBeGreaterThan(0);
        pair.Both(m => m.Cpu.InvalidateCodeCache());
        var after = pair.Tiered.Cpu.Tiering;
        after.Resident.ShouldBe(0);
        after.GuestInstructions.ShouldBe(0);
        pair.Run(1_000_000, "after the invalidation").Reason.ShouldBe(StopReason.Halt);
        pair.ShouldAgree("after the invalidation", (Arm64TestMachine.DataBase, 0x2000 * 8));
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(before.Compiled, "the loop is compiled again");
    }

    /// <summary>
    /// A loop, with the MMU on, that stores to and loads from a page it has not touched every pass: the TLB misses are
    /// filled from compiled code (host code calls the CPU's refill, IL its slow path), so the block entered once runs all
    /// the passes; the registers it holds come through each miss.
    /// </summary>
    [Test]
    public void A_loop_meeting_a_new_page_every_pass_stays_compiled()
    {
        const int Pages = 300;
        const ulong Tables = Arm64TestMachine.RamBase + 0x80_0000;
        using var pair = Pair(threshold: 2);
        pair.Both(m =>
        {
            var tables = new Arm64PageTables(m.Memory, Tables);
            for (var offset = 0UL; offset < Arm64TestMachine.RamSize; offset += 0x20_0000)
                tables.MapBlock(Arm64TestMachine.RamBase + offset, Arm64TestMachine.RamBase + offset);
            m.Run($"""
                    {Arm64PageTables.EnableMmu(Tables)}
                    mov x0, #0
                    mov x1, #{Pages}
                    ldr x2, ={Arm64TestMachine.DataBase}
                    ldr x5, =0x123456789abcdef
                    mov x6, #3
                loop:
                    str x5, [x2, #8]
                    ldr x3, [x2, #0x1010]
                    add x0, x0, x3
                    add x5, x5, x6, lsl #1
                    eor x6, x6, x5
                    add x2, x2, #0x1000
                    subs x1, x1, #1
                    b.ne loop
                """);
        });
        pair.ShouldAgree("a page a pass", (Arm64TestMachine.DataBase, (Pages + 1) * 0x1000));
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeLessThan(10L, "each page's miss filled inside the block, which runs on, not left at");
    }

    /// <summary>
    /// CNTVCT_EL0 (the count less CNTVOFF_EL2) and CNTPCT_EL0 read in a compiled loop at two places of a basic block give
    /// the interpreter's values (<c>Arm64Cpu.Counter</c>), run to the end and in slices; host code reads them itself.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Counter_reads_are_the_interpreters(bool inSlices)
    {
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Cpu.WriteSystemRegister("CNTVOFF_EL2", 0x1234));
        pair.LoadBoth("""
                mov x1, #200
            loop:
                mrs x2, cntvct_el0
                add x3, x3, x2
                mrs x4, cntpct_el0
                eor x5, x5, x4
                subs x1, x1, #1
                b.ne loop
            """);
        if (inSlices)
            pair.RunInChunks(20);
        pair.Run(1_000_000, "to the end").Reason.ShouldBe(StopReason.Halt);
        if (HostCode && !inSlices)
            ((long)pair.Tiered.Cpu.TotalInstructions - pair.Tiered.Cpu.Tiering.Retired).ShouldBeLessThan(20L, "the MRSs run in host code");
    }

    /// <summary>
    /// A callee that became a block of its own first (called through BLR, which no block follows, and longer than a block
    /// takes in) returns from its RET into its direct caller's host code at the caller's return entry, not to the
    /// interpreter: the return site is never a hot entry of its own. The state agrees with the interpreter's.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void A_callee_returns_into_its_callers_compiled_code(bool inSlices)
    {
        using var pair = Pair(threshold: 50);
        var callee = string.Join("\n", Enumerable.Range(0, 30).Select(i => $"    add x0, x0, x1, lsl #{i % 4}"));
        pair.LoadBoth($"""
                adr x7, callee
                mov x1, #60
            warm:
                blr x7
                subs x1, x1, #1
                b.ne warm
                mov x1, #400
            top:
                tst x1, #3
                b.ne skip
                bl callee
                add x8, x8, x0
                eor x9, x9, x8
            skip:
                subs x1, x1, #1
                b.ne top
                b done
            callee:
            {callee}
                ret
            done:
            """);
        if (inSlices)
            pair.RunInChunks(20);
        pair.Run(1_000_000, "to the end").Reason.ShouldBe(StopReason.Halt);
        if (HostCode && !inSlices)
        {
            // 1,906 here; 1,978 when the return site waits for a block of its own.
            ((long)pair.Tiered.Cpu.TotalInstructions - pair.Tiered.Cpu.Tiering.Retired).ShouldBeLessThan(1_940L, "the return site ran in its caller's block");
        }
    }

    [Test]
    public void A_data_abort_inside_compiled_code_is_taken_with_the_interpreters_elr_esr_and_far()
    {
        // A compiled loop walks a mapped page into an unmapped one: every load there takes a translation
        // fault (Arm ARM D19.2.37 ESR_EL1: EC 0x25, DFSC level 3) whose handler skips the load.
        using var pair = Pair(threshold: 2);
        FaultingWalk.Load(pair, "ldr x2, [x1], #8");
        var result = pair.Run(1_000_000, "walk into the unmapped page");
        result.Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[9].ShouldBe(100UL - 0x100 / 8, "loads past the page fault");
        (pair.Tiered.Cpu[4] >> 26).ShouldBe(0x25UL);
        pair.Tiered.Cpu[5].ShouldBe(FaultingWalk.LowPage + 0x1000);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }
}
