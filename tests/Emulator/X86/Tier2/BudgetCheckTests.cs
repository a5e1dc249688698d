using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// A compiled block checks the run's budget only at its head, at loop heads and after a basic block whose last
/// instruction may take a slow path; the other basic blocks only count, and the flags a basic block leaves are
/// written only when a later one can read them. Against the interpreter: the same stops at every budget, the same
/// flags read across basic blocks, and code rewritten by a basic block's last store runs its new bytes.
/// </summary>
[TestFixture]
public class BudgetCheckTests
{
    private const ulong Data = 0x200000;

    /// <summary>A loop whose body is a chain of forward branches: most of its basic blocks are entered only from above.</summary>
    private static void ForwardBranches(Assembler a)
    {
        var top = a.CreateLabel();
        var b1 = a.CreateLabel();
        var b2 = a.CreateLabel();
        var b3 = a.CreateLabel();
        var b4 = a.CreateLabel();
        a.mov(ecx, 700);
        a.mov(rbx, Data);
        a.xor(eax, eax);
        a.Label(ref top);
        a.mov(edx, __dword_ptr[rbx + rcx * 4]);
        a.cmp(edx, 0x8000_0000);
        a.jb(b1); // CF from the CMP, read below by ADC in another basic block
        a.add(eax, edx);
        a.xor(esi, eax);
        a.Label(ref b1);
        a.adc(edi, 0);
        a.test(dl, 3);
        a.jz(b2);
        a.sub(esi, 7);
        a.jmp(b3);
        a.Label(ref b2);
        a.setnz(r8b); // ZF of the TEST, read in the branch's target
        a.inc(r9d);
        a.Label(ref b3);
        a.shr(edx, 5);
        a.jc(b4); // CF of the shift, across no leader
        a.imul(r10d, edx, 3);
        a.Label(ref b4);
        a.mov(__dword_ptr[rbx + rcx * 4 + 0x1000], eax);
        a.dec(ecx);
        a.jnz(top);
        a.hlt();
    }

    private static TierPair LoadForwardBranches() => TierPair.Program64(ForwardBranches, Data, 0x2000);

    [Test]
    public void Stops_at_every_budget_where_the_interpreter_stops_with_unchecked_basic_blocks()
    {
        using var pair = LoadForwardBranches();
        ulong[] chunks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 19, 23, 29, 31, 37, 101];
        for (var i = 0; ; i++)
        {
            var result = pair.Run(chunks[i % chunks.Length], $"after chunk {i}");
            if (result.Reason == StopReason.Halt)
                break;
            result.Reason.ShouldBe(StopReason.Budget);
        }
        pair.SameMemory(Data, 0x2000);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Flags_read_in_a_later_basic_block_are_those_their_producer_left()
    {
        using var pair = LoadForwardBranches();
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 0x2000);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Code_rewritten_by_the_last_store_of_a_basic_block_runs_its_new_bytes()
    {
        using var pair = new TierPair(threshold: 1); // the page is emptied by every rewrite: compile on first sight
        byte[] code = [];
        pair.Both(m =>
        {
            code = m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                var patched = a.CreateLabel();
                a.mov(ecx, 100);
                a.mov(ebx, (uint)TestMachine.CodeBase + 19U);
                a.Label(ref top);
                a.test(cl, 1); // at +10
                a.jz(patched); // at +13: makes the ADD below a leader of its own
                a.mov(__byte_ptr[rbx], cl); // at +15, the last instruction of its basic block: rewrites the ADD's immediate
                a.Label(ref patched);
                a.add(edx, 1); // 83 C2 ib at +17
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        code[17..20].ShouldBe(new byte[] { 0x83, 0xC2, 0x01 });
        var reason = StopReason.Budget;
        for (var i = 0; i < 1000 && reason == StopReason.Budget; i++)
            reason = pair.Run(3, $"chunk {i}").Reason; // budgets that end inside the compiled loop, between the store and the ADD too
        reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[Register.RDX].ShouldBe(pair.Interpreter.Cpu[Register.RDX]);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(1);
    }
}
