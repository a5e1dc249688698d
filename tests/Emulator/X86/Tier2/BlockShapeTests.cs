using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// What a compiled block takes in and writes back: the loop around its head before a long path off it, fewer
/// instructions when a full block's IL would be too large for the JIT to optimise, at a fault only what may have
/// changed by then, and no second block for an entry inside one; each against the interpreter.
/// </summary>
[TestFixture]
public class BlockShapeTests
{
    private const ulong Data = 0x200000;
    private const ulong Handler = 0x30000;

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

    [Test]
    public void A_fault_in_a_straight_line_block_leaves_the_registers_changed_before_it_and_those_changed_after_it_as_the_interpreter()
    {
        // f is its own block (reached through an indirect call): R9 changes before its load, R10 and RDX after it, so a
        // spill writes R9 and the flags back and leaves R10 and RDX to what the CPU already holds.
        PageFaultsLikeTheInterpreter(0x80, a =>
        {
            var top = a.CreateLabel();
            var f = a.CreateLabel();
            a.mov(rbx, 0xF000_0000UL);
            a.mov(r10, 0x1234);
            a.lea(r11, __[f]);
            a.Label(ref top);
            a.call(r11);
            a.add(rbx, 0x10_0000);
            a.jmp(top);
            a.Label(ref f);
            a.lea(r9, __[r9 + rbx + 1]);
            a.sub(r9d, 7);
            a.mov(rax, __qword_ptr[rbx]);
            a.mov(r10, rax);
            a.add(rdx, rax);
            a.ret();
        });
    }

    [Test]
    public void A_fault_in_a_loop_leaves_what_the_previous_iteration_changed_after_it_as_the_interpreter()
    {
        // RSI and R8 change after the load, so only the back edge brings them into what its spill writes back.
        PageFaultsLikeTheInterpreter(0x40, a =>
        {
            var top = a.CreateLabel();
            a.mov(rbx, 0xF000_0000UL);
            a.Label(ref top);
            a.add(rcx, 1);
            a.lea(rdi, __[rcx * 2 + 5]);
            a.mov(rax, __qword_ptr[rbx]);
            a.add(rsi, rax);
            a.mov(r8, rsi);
            a.xor(r8, rcx);
            a.add(rbx, 0x10_0000);
            a.jmp(top);
        });
    }

    [Test]
    public void Entries_inside_a_compiled_basic_block_reached_only_by_resuming_there_are_not_compiled_again()
    {
        // Once the loop is compiled, budgets of 5 end inside its one basic block of 21 instructions, so the next run
        // resumes at an instruction inside it, as an interrupt's IRET does; each such entry is seen about 12 times,
        // past the threshold of 2 but not past the damping of a compiled block's inner entries. Undamped, all 21 were
        // compiled as blocks of their own.
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(ecx, 64);
                a.Label(ref top);
                for (var i = 0; i < 19; i++)
                    a.add(Spread[i % Spread.Length], i + 1);
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });

        pair.Run(4 * 21 + 1).Reason.ShouldBe(StopReason.Budget);
        var compiled = pair.Tiered.Cpu.Tiering.Compiled;
        compiled.ShouldBeGreaterThan(0);
        for (var i = 0; ; i++)
        {
            var result = pair.Run(5, $"after chunk {i}");
            if (result.Reason == StopReason.Halt)
                break;
            result.Reason.ShouldBe(StopReason.Budget);
        }

        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeLessThan(compiled + 5, "entries inside the compiled loop were compiled again");
    }

    /// <summary>
    /// Runs <paramref name="code"/> in long mode on both tiers: its loads walk up from 0xF000_0000 until the one at
    /// 4 GiB page-faults into a handler that halts. Compares the state there (the pair's run) and the top
    /// <paramref name="stackBytes"/> of the stack, where the exception frame lies.
    /// </summary>
    private static void PageFaultsLikeTheInterpreter(int stackBytes, Action<Assembler> code)
    {
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, code);
            m.Load(64, Handler, a => a.hlt());
            m.EnterLong64(TestMachine.CodeBase);
            m.WriteGdt();
            m.SetGate64(14, Handler);
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Cr2.ShouldBe(0x1_0000_0000UL);
        pair.SameMemory(TestMachine.StackTop - (ulong)stackBytes, stackBytes);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }
}
