using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Compiling on the background thread (<see cref="LoaderHarness.Emulator.Core.GuestCpuCore.CompileInBackground"/>): the
/// same state, count and stop as the interpreter and as synchronous compilation, only later compiled blocks; a block
/// whose code was written, or whose cache was cleared, while it was in flight is dropped and never runs; the worker
/// ends when it has nothing to do. For both back ends: the JIT's IL, and host code.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class BackgroundCompileTests(bool hostCode) : BothBackEnds(hostCode)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public void A_hot_loop_compiled_in_the_background_ends_in_the_interpreters_state()
    {
        using var pair = InTier(TieredEngineTests.LoadHotLoop());
        pair.Tiered.Cpu.CompileInBackground = true;
        pair.Run(3_000, "while the loop's blocks are in flight").Reason.ShouldBe(StopReason.Budget);
        pair.Tiered.Cpu.Compiler.Dropped.ShouldBe(0);
        WaitForWorker(pair);

        pair.Run(1_000_000, "with the blocks installed").Reason.ShouldBe(StopReason.Halt);

        pair.SameMemory(0x200000, 0x2000);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Background_and_synchronous_compilation_end_identically_in_budget_slices()
    {
        using var background = InTier(TieredEngineTests.LoadHotLoop());
        background.Tiered.Cpu.CompileInBackground = true;
        using var synchronous = InTier(TieredEngineTests.LoadHotLoop());
        background.RunInChunksToHalt(longSlice: true);
        synchronous.RunInChunksToHalt(longSlice: true);

        background.Tiered.Cpu.TotalInstructions.ShouldBe(synchronous.Tiered.Cpu.TotalInstructions);
        for (var r = Register.RAX; r <= Register.R15; r++)
            background.Tiered.Cpu[r].ShouldBe(synchronous.Tiered.Cpu[r], r.ToString());
        background.Tiered.Cpu.Rflags.ShouldBe(synchronous.Tiered.Cpu.Rflags);
        background.Tiered.Cpu.Rip.ShouldBe(synchronous.Tiered.Cpu.Rip);
    }

    [Test]
    public void A_block_whose_code_is_rewritten_while_in_flight_is_dropped_and_never_runs()
    {
        // The loop rewrites its own "add edx, imm8" every iteration (as TieredEngineTests' self-modifying loop): every block
        // asked for is stale before the worker, held here, may finish it.
        using var pair = InTier(new TierPair(threshold: 1));
        pair.Tiered.Cpu.CompileInBackground = true;
        var gate = new ManualResetEventSlim(false); // not disposed: the worker may still wait on it if an assertion fails
        pair.Tiered.Cpu.Compiler.BeforeBuild = () => gate.Wait(Patience);
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(ecx, 100);
                a.mov(ebx, (uint)TestMachine.CodeBase + 12U);
                a.Label(ref top);
                a.add(edx, 1); // 83 C2 ib at +10: the loop rewrites its immediate
                a.mov(__byte_ptr[rbx], cl);
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        pair.Run(40, "the loop's first iterations, its block held in flight");
        pair.Tiered.Cpu.Compiler.InFlight.ShouldBeGreaterThan(0);

        gate.Set();
        WaitForWorker(pair);
        pair.Run(100_000, "the rest, the stale blocks taken back").Reason.ShouldBe(StopReason.Halt);

        pair.Tiered.Cpu[Register.RDX].ShouldBe(0x600UL + 5050); // EDX starts at the reset signature 0x600
        pair.Tiered.Cpu.Compiler.Dropped.ShouldBeGreaterThan(0);
    }

    [Test]
    public void A_block_in_flight_when_the_code_cache_is_invalidated_is_dropped()
    {
        using var pair = InTier(TieredEngineTests.LoadHotLoop());
        pair.Tiered.Cpu.CompileInBackground = true;
        var gate = new ManualResetEventSlim(false); // not disposed: the worker may still wait on it if an assertion fails
        pair.Tiered.Cpu.Compiler.BeforeBuild = () => gate.Wait(Patience);
        pair.Run(500, "until the loop is in flight");
        var inFlight = pair.Tiered.Cpu.Compiler.InFlight;
        inFlight.ShouldBeGreaterThan(0);
        pair.Both(m => m.Cpu.InvalidateCodeCache());

        gate.Set();
        WaitForWorker(pair);
        pair.Run(1_000_000, "after the invalidation").Reason.ShouldBe(StopReason.Halt);

        pair.SameMemory(0x200000, 0x2000);
        pair.Tiered.Cpu.Compiler.Dropped.ShouldBeGreaterThanOrEqualTo(inFlight);
    }

    [Test]
    public void The_worker_does_not_outlive_the_run_that_fed_it()
    {
        using var pair = InTier(TieredEngineTests.LoadHotLoop());
        pair.Tiered.Cpu.CompileInBackground = true;
        pair.Run(3_000, "until blocks are asked for");
        var worker = pair.Tiered.Cpu.Compiler.Worker;
        worker.ShouldNotBeNull();
        worker.IsBackground.ShouldBeTrue("it never keeps the process alive");

        worker.Join(Patience).ShouldBeTrue("it ended once idle");
        pair.Tiered.Cpu.Compiler.Worker.ShouldBeNull();
    }

    /// <summary>Waits until the worker, having finished every request, ended (it does once idle).</summary>
    private static void WaitForWorker(TierPair pair)
        => (pair.Tiered.Cpu.Compiler.Worker?.Join(Patience) ?? true).ShouldBeTrue("the worker finished");
}
