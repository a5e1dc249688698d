using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// What a compiled block takes in: the loop around its head before a long path off it, and fewer instructions
/// when a full block's IL would be too large for the JIT to optimise; each against the interpreter.
/// </summary>
[TestFixture]
public class BlockShapeTests
{
    private const ulong Data = 0x200000;

    /// <summary>Registers the large blocks write, so that each slow path has many to write back.</summary>
    private static readonly AssemblerRegister64[] Spread = [rax, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];

    [Test]
    public void A_loop_with_a_long_fall_through_path_stays_in_one_block()
    {
        // The rarely taken path falls through from the loop's branch and is longer than a block: discovered depth
        // first it filled the block and the loop's continuation became an exit taken on every iteration.
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                var common = a.CreateLabel();
                a.mov(rcx, 5000);
                a.xor(eax, eax);
                a.xor(edx, edx);
                a.Label(ref top);
                a.test(ecx, 0xFFF);
                a.jnz(common);
                for (var i = 0; i < 160; i++)
                    a.add(rdx, i + 1);
                a.Label(ref common);
                a.add(rax, rcx);
                a.dec(rcx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);

        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        stats.Entries.ShouldBeLessThan(100, "the loop left its block on every iteration");
    }

    [Test]
    public void A_block_too_large_for_the_optimising_JIT_is_compiled_smaller_with_the_same_results()
    {
        // 140 memory instructions, each with a TLB probe and a slow path that writes the registers back.
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rcx, 50);
                a.mov(rbx, Data);
                a.Label(ref top);
                for (var i = 0; i < 140; i++)
                {
                    if (i % 2 == 0)
                        a.add(__qword_ptr[rbx + i * 8], rcx);
                    else
                        a.add(Spread[i % Spread.Length], __qword_ptr[rbx + i * 8]);
                }
                a.dec(rcx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 140 * 8);

        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        stats.Entries.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Budgets_ending_inside_a_smaller_translated_block_stop_where_the_interpreter_stops()
    {
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(rcx, 20);
                a.mov(rbx, Data);
                a.Label(ref top);
                for (var i = 0; i < 140; i++)
                    a.xor(__qword_ptr[rbx + i * 8], rcx);
                a.dec(rcx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        for (var i = 0; ; i++)
        {
            var result = pair.Run(97, $"after chunk {i}");
            if (result.Reason == StopReason.Halt)
                break;
            result.Reason.ShouldBe(StopReason.Budget);
        }
        pair.SameMemory(Data, 140 * 8);
    }
}
