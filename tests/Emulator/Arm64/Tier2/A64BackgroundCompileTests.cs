using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// The A64 engine compiling on the background thread, as the x86 engine's (X86 BackgroundCompileTests): the
/// interpreter's state and count, later compiled blocks, a block whose code was rewritten while in flight never runs.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64BackgroundCompileTests(bool hostCode) : A64BothBackEnds(hostCode)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

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
    public void A_hot_loop_compiled_in_the_background_ends_as_in_the_interpreter()
    {
        using var pair = Pair(threshold: 2);
        pair.Tiered.Cpu.CompileInBackground = true;
        pair.LoadBoth(SumLoop);
        pair.Run(500, "while the loop's block is in flight");
        WaitForWorker(pair);

        pair.Run(1_000_000, "with the block installed").Reason.ShouldBe(StopReason.Halt);

        pair.ShouldAgree("sum loop", (Arm64TestMachine.DataBase, 0x2000 * 8));
        pair.Tiered.Cpu[0].ShouldBe(500_500UL);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
        pair.Tiered.Cpu.Compiler.Dropped.ShouldBe(0);
    }

    [Test]
    public void A_block_whose_code_is_rewritten_while_in_flight_is_dropped_and_never_runs()
    {
        // A64TieredEngineTests' self-modifying loop: pass x7 = 25 stores "add x3, x3, #25" over the loop's first
        // instruction. The loop's blocks are asked for before that store and held in flight until after it.
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
        pair.Tiered.Cpu.CompileInBackground = true;
        var gate = new ManualResetEventSlim(false); // not disposed: the worker may still wait on it if an assertion fails
        pair.Tiered.Cpu.Compiler.BeforeBuild = () => gate.Wait(Patience);
        pair.LoadBoth(source);
        pair.Run(60, "passes before the store, the loop's block held in flight");
        pair.Tiered.Cpu.Compiler.InFlight.ShouldBeGreaterThan(0);
        pair.Run(80, "past the store (pass 25, about instruction 130)");

        gate.Set();
        WaitForWorker(pair);
        pair.Run(1_000_000, "the rest, the stale blocks taken back"); // to the same stop as the interpreter

        pair.ShouldAgree("self-modifying loop");
        pair.Tiered.Cpu[3].ShouldBe(626UL);
        pair.Tiered.Cpu.Compiler.Dropped.ShouldBeGreaterThan(0);
    }

    /// <summary>Waits until the worker, having finished every request, ended (it does once idle).</summary>
    private static void WaitForWorker(A64TierPair pair)
        => (pair.Tiered.Cpu.Compiler.Worker?.Join(Patience) ?? true).ShouldBeTrue("the worker finished");
}
