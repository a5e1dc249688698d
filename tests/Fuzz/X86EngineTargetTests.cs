using LoaderHarness.Emulator.Core;
using LoaderHarness.Fuzz;
using Shouldly;

namespace LoaderHarness.Tests.Fuzz;

/// <summary>
/// The x86 engine targets' knob byte picks the run's budget: the long one with bit 4, and with the vectors in the
/// code (bit 0), where mutated code is mostly a fault loop, only with bit 6 set and bit 7 clear as well. The RAM around
/// the code holds HLT, so code that runs off its end stops there; knob bit 5 asks for the zero RAM of before.
/// </summary>
[TestFixture]
[Category("Fuzz")]
public sealed class X86EngineTargetTests
{
    [TestCase((byte)0x00, X86EngineTarget.ShortBudget)]
    [TestCase((byte)0x10, X86EngineTarget.Budget)]
    [TestCase((byte)0x1E, X86EngineTarget.Budget)]
    [TestCase((byte)0xFE, X86EngineTarget.Budget)]
    [TestCase((byte)0x01, X86EngineTarget.ShortBudget)]
    [TestCase((byte)0x11, X86EngineTarget.ShortBudget)]
    [TestCase((byte)0x31, X86EngineTarget.ShortBudget)]
    [TestCase((byte)0x41, X86EngineTarget.ShortBudget)]
    [TestCase((byte)0x51, X86EngineTarget.Budget)]
    [TestCase((byte)0x7F, X86EngineTarget.Budget)]
    [TestCase((byte)0xD1, X86EngineTarget.ShortBudget)]
    [TestCase((byte)0xFF, X86EngineTarget.ShortBudget)]
    public void The_knob_byte_picks_the_budget(byte knobs, ulong budget)
    {
        X86EngineTarget.BudgetFor(knobs).ShouldBe(budget);
    }

    [Test]
    public void The_committed_tiered_fault_loop_regressions_keep_the_long_budget()
    {
        // They were found at 10,000 instructions (the compiling tier at threshold 2 in a fault loop); a shorter
        // run would no longer replay what they guard.
        var root = Path.Combine(LoaderHarness.Tests.Support.DebianKernel.RepositoryRoot(), "fuzz", "regressions");
        foreach (var file in new[] { "x86-long/tiered-fault-loop", "x86-long/tiered-in-fault-loop", "x86-protected/tiered-cold-blocks-1" })
            X86EngineTarget.BudgetFor(File.ReadAllBytes(Path.Combine(root, file))[0]).ShouldBe(X86EngineTarget.Budget, file);
    }

    [TestCase(X86FuzzMode.Real)]
    [TestCase(X86FuzzMode.Protected)]
    [TestCase(X86FuzzMode.Long)]
    public void Code_that_runs_off_its_end_stops_at_the_HLT_after_it(X86FuzzMode mode)
    {
        var result = X86EngineTarget.Run(mode, [0x10, 0x90, 0x90]); // two NOPs, the long budget

        result.Reason.ShouldBe(StopReason.Halt);
        result.Instructions.ShouldBe(3UL); // the NOPs and the HLT
    }

    [Test]
    public void Knob_bit_5_runs_on_through_zero_ram_to_the_budget()
    {
        // 00 00 is ADD [RAX],AL: with RAX = 0 it writes the RAM at 0 and goes on, one instruction every two bytes.
        var result = X86EngineTarget.Run(X86FuzzMode.Long, [0x20, 0x90, 0x90]);

        result.Reason.ShouldBe(StopReason.Budget);
        result.Instructions.ShouldBe(X86EngineTarget.ShortBudget);
    }

    [Test]
    public void The_next_input_finds_the_fill_again()
    {
        // A MOV that overwrites the HLT after it with NOPs, then one that does not: the second must halt right away.
        X86EngineTarget.Run(X86FuzzMode.Long, [0x00, 0xC7, 0x05, 0x00, 0x00, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90]);
        var result = X86EngineTarget.Run(X86FuzzMode.Long, [0x00, 0x90]);

        result.Reason.ShouldBe(StopReason.Halt);
        result.Instructions.ShouldBe(2UL); // the NOP and the HLT
    }
}
