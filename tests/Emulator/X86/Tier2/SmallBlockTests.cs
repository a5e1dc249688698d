using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// A block's translation takes in the code of a small block compiled before it instead of ending at that block's
/// entry, so the chain no longer joins the two on every pass: the same state as the interpreter, at every budget too.
/// </summary>
[TestFixture]
public class SmallBlockTests
{
    /// <summary>
    /// A loop calling a function whose own short loop gets hot first and is compiled as a block of its own (it runs three
    /// times per call); the loop's block, compiled later, reaches that block's entry through the call.
    /// </summary>
    private static TierPair Load()
    {
        var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                var f = a.CreateLabel();
                var inner = a.CreateLabel();
                a.mov(ecx, 300);
                a.Label(ref top);
                a.call(f);
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
                a.Label(ref f);
                a.mov(edx, 3);
                a.Label(ref inner);
                a.add(eax, edx);
                a.dec(edx);
                a.jnz(inner);
                a.ret();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        return pair;
    }

    [Test]
    public void A_block_takes_in_a_small_compiled_block_it_reaches_and_no_longer_chains_into_it()
    {
        using var pair = Load();
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(TestMachine.StackTop - 0x40, 0x40);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(1);
        stats.Chained.ShouldBeLessThan(30); // two chained entries per call when the loop's block ended at the function's loop
    }

    [Test]
    public void Stops_at_every_budget_where_the_interpreter_stops()
    {
        using var pair = Load();
        pair.RunInChunksToHalt();
        pair.SameMemory(TestMachine.StackTop - 0x40, 0x40);
    }
}
