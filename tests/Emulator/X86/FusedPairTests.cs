using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// The interpreter fuses a flag-setting ALU form with the conditional jump after it once its chain has linked them; the
/// pair still counts two instructions, and a run's budget can end between them with RIP on the jump.
/// </summary>
[TestFixture]
public class FusedPairTests
{
    /// <summary>Nested loops whose every branch is a CMP/TEST/SUB/AND/ADD/XOR/OR followed by a Jcc, taken and not taken.</summary>
    private static void Loops(Assembler a)
    {
        var outer = a.CreateLabel();
        var inner = a.CreateLabel();
        var skip = a.CreateLabel();
        var odd = a.CreateLabel();
        a.mov(ecx, 7);
        a.Label(ref outer);
        a.mov(edx, 5);
        a.Label(ref inner);
        a.add(eax, edx);
        a.test(eax, 1);
        a.jne(odd);
        a.add(r8d, 3);
        a.Label(ref odd);
        a.cmp(eax, 40);
        a.jl(skip);
        a.xor(ebx, eax);
        a.Label(ref skip);
        a.sub(edx, 1);
        a.jne(inner);
        a.and(ebx, ebx);
        a.js(skip);
        a.cmp(rcx, rdx);
        a.sub(ecx, 1);
        a.jg(outer);
        a.hlt();
    }

    private static TestMachine Machine()
    {
        var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, Loops);
        m.EnterLong64(TestMachine.CodeBase);
        return m;
    }

    /// <summary>The addresses the program executes, one by one, with an instruction hook (which keeps every entry unfused).</summary>
    private static List<ulong> Reference(out RunResult result)
    {
        using var m = Machine();
        var executed = new List<ulong>();
        m.Cpu.InstructionHook = executed.Add;
        result = m.Run();
        return executed;
    }

    [Test]
    public void Fused_pairs_give_the_same_state_and_instruction_count_as_single_steps()
    {
        var executed = Reference(out var reference);
        using var m = Machine();

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt);
        result.Instructions.ShouldBe(reference.Instructions);
        result.Instructions.ShouldBe((ulong)executed.Count);
        m.Cpu[Register.RAX].ShouldBe(7UL * 15, "seven outer rounds add 5 + 4 + 3 + 2 + 1");
        m.Cpu[Register.RCX].ShouldBe(0UL);
    }

    [Test]
    public void Every_budget_stops_on_the_instruction_single_steps_reach_even_between_a_fused_pair()
    {
        var executed = Reference(out _);
        for (var budget = 1; budget < executed.Count; budget++)
        {
            using var m = Machine();
            m.Run((ulong)(executed.Count / 2)); // a first run links and fuses every pair the loops reach
            var second = m.Run((ulong)budget);
            var at = (executed.Count / 2) + budget;
            if (at >= executed.Count)
                break;
            second.Instructions.ShouldBe((ulong)budget);
            m.Cpu.Rip.ShouldBe(executed[at], $"after {at} instructions");
        }
    }

    [Test]
    public void Running_in_small_slices_ends_where_one_run_does()
    {
        var executed = Reference(out var reference);
        using var m = Machine();
        m.Run(); // fused
        using var sliced = Machine();
        ulong total = 0;
        RunResult last;
        do
        {
            last = sliced.Run(3);
            total += last.Instructions;
        }
        while (last.Reason == StopReason.Budget);

        last.Reason.ShouldBe(StopReason.Halt);
        total.ShouldBe(reference.Instructions);
        sliced.Cpu[Register.RBX].ShouldBe(m.Cpu[Register.RBX]);
        sliced.Cpu[Register.R8].ShouldBe(m.Cpu[Register.R8]);
        ((ulong)executed.Count).ShouldBe(total);
    }

    [Test]
    public void A_hook_set_after_pairs_were_fused_still_sees_every_instruction()
    {
        var executed = Reference(out _);
        using var m = Machine();
        m.Run((ulong)(executed.Count / 2));
        var seen = new List<ulong>();
        m.Cpu.InstructionHook = seen.Add;

        m.Run();

        seen.ShouldBe(executed.Skip(executed.Count / 2).ToList());
    }
}
