using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Tests.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// Instructions a compiled block runs through their interpreter handler (DC ZVA, LDAXR/STXR, LDXP/STXP, CLREX,
/// IC IVAU, MSR DAIFSet/DAIFClr): the loop around them stays in one block, and every stop, count, register,
/// memory byte and interrupt boundary is the interpreter's.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64HelperTests(bool hostCode) : A64BothBackEnds(hostCode)
{

    /// <summary>An atomic add retried on a failed STXR, an exclusive pair, CLREX, IC IVAU and DC ZVA of a block a store has just dirtied.</summary>
    private const string AtomicsLoop = """
            ldr x1, =0x40100000
            add x2, x1, #16
            add x8, x1, #0x1000
            mov x3, #300
        loop:
            ldaxr w0, [x1]
            add w0, w0, #3
            stxr w5, w0, [x1]
            cbnz w5, loop
            ldxp x6, x7, [x2]
            add x6, x6, x3
            stxp w9, x6, x7, [x2]
            clrex
            str x3, [x8, #8]
            dc zva, x8
            ic ivau, x1
            subs x3, x3, #1
            b.ne loop
        """;

    [Test]
    public void A_loop_of_exclusives_dc_zva_and_maintenance_stays_compiled_with_the_interpreters_results()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(AtomicsLoop);
        pair.Run(1_000_000, "atomics loop").Reason.ShouldBe(StopReason.Halt);
        pair.ShouldAgree("atomics loop", (Arm64TestMachine.DataBase, 0x2000));
        pair.Tiered.Memory.ReadU32(Arm64TestMachine.DataBase).ShouldBe(900U);
        pair.Tiered.Memory.ReadU64(Arm64TestMachine.DataBase + 0x1008).ShouldBe(0UL, "DC ZVA zeroed the stored word");
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        if (!HostCode) // host code has no exclusive pair, CLREX or IC: it leaves its block at each
            stats.Entries.ShouldBeLessThan(10, "the loop runs inside its block instead of leaving it at each helper");
    }

    /// <summary>The atomics' single exclusives and DC ZVA, which both back ends keep inside the block.</summary>
    private const string ExclusivesLoop = """
            ldr x1, =0x40100000
            add x8, x1, #0x1000
            mov x3, #300
        loop:
            ldaxr w0, [x1]
            add w0, w0, #3
            stxr w5, w0, [x1]
            cbnz w5, loop
            ldxr x6, [x1, #0]
            stlxr w9, x6, [x2]
            add x10, x10, x9
            str x3, [x8, #8]
            dc zva, x8
            subs x3, x3, #1
            b.ne loop
        """;

    [Test]
    public void A_loop_of_exclusives_and_dc_zva_stays_in_its_block_with_the_interpreters_results()
    {
        using var pair = Pair(threshold: 2);
        pair.Both(m => m.Cpu[2] = Arm64TestMachine.DataBase + 0x40); // STLXR to another address than the monitor's: fails
        pair.LoadBoth(ExclusivesLoop);
        pair.Run(1_000_000, "exclusives loop").Reason.ShouldBe(StopReason.Halt);
        pair.ShouldAgree("exclusives loop", (Arm64TestMachine.DataBase, 0x2000));
        pair.Tiered.Memory.ReadU32(Arm64TestMachine.DataBase).ShouldBe(900U);
        pair.Tiered.Cpu[10].ShouldBe(300UL, "every STLXR to an address the monitor does not hold failed");
        pair.Tiered.Memory.ReadU64(Arm64TestMachine.DataBase + 0x1008).ShouldBe(0UL, "DC ZVA zeroed the stored word");
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeLessThan(10, "the loop runs inside its block");
    }

    [Test]
    public void A_loop_of_helpers_stops_at_every_budget_where_the_interpreter_stops()
    {
        using var pair = Pair(threshold: 2);
        pair.LoadBoth(AtomicsLoop);
        pair.RunInChunks(60).ShouldAllBe(r => r.Reason == StopReason.Budget);
        pair.Run(1_000_000, "the rest").Reason.ShouldBe(StopReason.Halt);
        pair.ShouldAgree("the rest", (Arm64TestMachine.DataBase, 0x2000));
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    [Test]
    public void An_exclusive_load_that_faults_in_compiled_code_is_taken_with_the_interpreters_elr_esr_and_far()
    {
        // As the data-abort test of A64TieredEngineTests, with LDAXR: a compiled loop walks a mapped page into an
        // unmapped one, each load there takes a translation fault (Arm ARM D19.2.37 ESR_EL1: EC 0x25) that the
        // handler skips.
        using var pair = Pair(threshold: 2);
        FaultingWalk.Load(pair, "ldaxr x2, [x1]\n    add x1, x1, #8");
        pair.Run(1_000_000, "walk into the unmapped page").Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[9].ShouldBe(100UL - 0x100 / 8, "loads past the page fault");
        (pair.Tiered.Cpu[4] >> 26).ShouldBe(0x25UL);
        pair.Tiered.Cpu[5].ShouldBe(FaultingWalk.LowPage + 0xF00 + 99 * 8, "FAR: the last pass's address");
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    [Test]
    public void An_interrupt_unmasked_by_msr_daifclr_in_compiled_code_is_taken_after_that_msr()
    {
        // Pass 50 makes the PL011 raise its TX interrupt while PSTATE.I masks it (UARTIMSC.TXIM, PL011 TRM 3.3.10);
        // the MSR DAIFClr after it unmasks it, and the IRQ is taken with ELR at the SUBS after that MSR.
        const string source = """
                adr x0, vectors
                msr vbar_el1, x0
                msr daifset, #2
                ldr x1, =0x09000000
                mov w2, #0x20
                str w2, [x1, #0x38]
                mov x3, #200
            loop:
                msr daifset, #2
                add x4, x4, #1
                cmp x3, #50
                b.ne skip
                mov w2, #65
                str w2, [x1]
            skip:
                msr daifclr, #2
            after:
                subs x3, x3, #1
                b.ne loop
                b end
                .balign 2048
            vectors:
                .skip 0x280
                mov x5, #1
                mrs x7, elr_el1
                adr x8, after
            end:
                ldr w0, =0x84000002
                hvc #0
            """;
        using var pair = Pair(threshold: 2);
        pair.Both(m =>
        {
            var controller = new LatchingController(0) { Output = new InterruptLine(m.Cpu.InterruptInput, 0) };
            m.Cpu.InterruptController = controller;
            m.Cpu.Uart.Interrupt = new InterruptLine(controller, 33);
        });
        pair.LoadBoth(source);
        pair.Run(1_000_000, "interrupt after MSR DAIFClr").Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[5].ShouldBe(1UL);
        pair.Tiered.Cpu[7].ShouldBe(pair.Tiered.Cpu[8], "ELR is the instruction after the MSR");
        pair.Tiered.Cpu[4].ShouldBe(151UL);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }
}
