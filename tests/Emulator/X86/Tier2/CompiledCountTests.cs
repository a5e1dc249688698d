using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>What the tiering statistics count as retired by compiled code (<c>boot --json</c>'s <c>tiering.compiledInstructions</c>).</summary>
[TestFixture]
public class CompiledCountTests
{
    private const ulong Handler = 0x18000;

    [Test]
    public void A_block_left_by_a_fault_counts_what_it_retired()
    {
        // 256 iterations of three instructions in one compiled loop whose last load faults (past the 4 GiB the page
        // tables map): the block never returns, the fault leaves it.
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rbx, 0xF000_0000UL);
                a.Label(ref top);
                a.add(rbx, 0x10_0000);
                a.mov(rax, __qword_ptr[rbx]);
                a.jmp(top);
            });
            m.Load(64, Handler, a => a.hlt());
            m.EnterLong64(TestMachine.CodeBase);
            m.WriteGdt();
            m.SetGate64(ExceptionVector.PageFault, Handler);
        });

        var r = pair.Run(10_000);

        r.Reason.ShouldBe(StopReason.Halt);
        var retired = pair.Tiered.Cpu.Tiering.Retired;
        retired.ShouldBeInRange(3 * 250L, (long)r.Instructions); // all but the iterations run before the loop was compiled
        pair.Interpreter.Cpu.Tiering.Retired.ShouldBe(0);
    }
}
