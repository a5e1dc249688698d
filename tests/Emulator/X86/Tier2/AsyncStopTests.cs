using LoaderHarness.Emulator.Core;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// A stop requested from another thread (the host guard's timer, Boot/RunGuard) reaches a compiled loop that makes no
/// call: the loop's budget checks must read the run's limit afresh, not a copy the JIT hoisted out of the loop.
/// </summary>
[TestFixture]
public sealed class AsyncStopTests
{
    [Test]
    public void A_stop_from_another_thread_ends_a_compiled_loop_without_calls()
    {
        using var pair = new TierPair();
        var m = pair.Tiered;
        m.EnterLong64(TestMachine.CodeBase);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            a.inc(eax); // INC keeps CF, which the tier carries across the back edge without a call
            a.jmp(top);
        });
        using var stopper = new Timer(_ => m.Cpu.RequestStop(StopReason.Timeout, "test"), null, 200, Timeout.Infinite);

        // On a worker, so that a stop that never lands fails the test instead of hanging the run (the loop alone runs for years).
        var run = Task.Run(() => m.Cpu.Run(ulong.MaxValue / 2));

        run.Wait(TimeSpan.FromSeconds(20)).ShouldBeTrue("the compiled loop never saw the stop");
        run.Result.Reason.ShouldBe(StopReason.Timeout, run.Result.ToString());
        m.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }
}
