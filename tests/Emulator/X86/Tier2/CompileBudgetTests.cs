using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86.Tier2;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Cold code that reaches a low threshold is not compiled block after block: under the default compile budget a block
/// is compiled only once the retired instructions pay for it (<see cref="TierPolicy.DefaultCompileBudget"/> per
/// instruction of the largest block), and the run ends in the interpreter's state either way.
/// </summary>
[TestFixture]
public sealed class CompileBudgetTests
{
    /// <summary>Run-once code: 300 blocks of a few instructions each, one after the other.</summary>
    private static void ColdBlocks(Assembler a)
    {
        a.xor(eax, eax);
        for (var i = 0; i < 300; i++)
        {
            var next = a.CreateLabel();
            a.add(eax, i);
            a.imul(ebx, eax, 3);
            a.jmp(next);
            a.Label(ref next);
        }
        a.hlt();
    }

    [Test]
    public void Run_once_code_at_threshold_1_compiles_no_more_than_the_budget_allows()
    {
        var unlimited = Run(0);
        var budgeted = Run(TierPolicy.DefaultCompileBudget);
        unlimited.Tiering.GuestInstructions.ShouldBeGreaterThan(X86Translator.MaxInstructions);
        budgeted.Retired.ShouldBeLessThan((ulong)(X86Translator.MaxInstructions * TierPolicy.DefaultCompileBudget));
        budgeted.Tiering.Compiled.ShouldBe(0);
    }

    private static (TieringStatistics Tiering, ulong Retired) Run(int budget)
    {
        using var pair = new TierPair(threshold: 1);
        pair.Tiered.Cpu.CompileBudget = budget;
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, ColdBlocks);
            m.EnterLong64(TestMachine.CodeBase);
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        return (pair.Tiered.Cpu.Tiering, pair.Tiered.Cpu.TotalInstructions);
    }
}
