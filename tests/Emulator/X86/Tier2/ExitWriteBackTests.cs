using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86.Tier2;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// A compiled block's exits write back only what may have changed on the paths to them, and a basic block whose in-edges
/// all come after the same kind of flag producer (operation and size) evaluates its conditions from that producer and
/// writes the flags back as it: at every budget stop, and at the halt, the same registers, RFLAGS and memory as the
/// interpreter. A join after 8-, 16-, 32- and 64-bit compares reads signed, unsigned and carry conditions (JL, JG, SETBE,
/// CMOVL, ADC) at its start, and a store there takes the slow path's spill with the producer known.
/// </summary>
[TestFixture]
public class ExitWriteBackTests
{
    private const ulong Data = 0x30_0000;

    [Test]
    public void Joins_after_the_same_producer_agree_with_the_interpreter_at_every_budget()
    {
        using var pair = TierPair.Program64(Program, Data, 0x1000);
        pair.RunInChunksToHalt(longSlice: true);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
        pair.SameMemory(Data, 0x1000);
    }

    [Test]
    public void Joins_after_the_same_producer_agree_with_the_interpreter_at_the_halt()
    {
        using var pair = TierPair.Program64(Program, Data, 0x1000);
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
        pair.SameMemory(Data, 0x1000);
    }

    [Test]
    public void The_loop_knows_its_joins_producers_and_exits_through_several_write_backs()
    {
        using var pair = TierPair.Program64(Program, Data, 0x1000);
        pair.Run(1).Reason.ShouldBe(StopReason.Budget); // fetching set up, nothing compiled yet
        pair.Tiered.Cpu.Rip = TestMachine.CodeBase; // the program's first instruction: its block holds the whole loop
        var block = X86Translator.Compile(pair.Tiered.Cpu, TestMachine.CodeBase, false, 64).ShouldNotBeNull();
        block.InstructionCount.ShouldBe(50, "the whole program up to HLT (PUSHFQ and POP compiled too)");
        block.KnownLeaders.ShouldBeGreaterThanOrEqualTo(4, "the four joins after compares of one size");
        block.ExitWriteBacks.ShouldBeGreaterThan(1, "exits before and after the loop's writes write back different registers");
    }

    /// <summary>
    /// 400 iterations over pseudo-random words: four joins, each reached from two compares of the same size (8, 16, 32,
    /// 64 bits) and reading the flags first; one also stores to memory at its start.
    /// </summary>
    private static void Program(Iced.Intel.Assembler a)
    {
        var top = a.CreateLabel();
        a.mov(ecx, 400);
        a.mov(rsi, Data);
        a.xor(r10d, r10d);
        a.xor(r11d, r11d);
        a.Label(ref top);
        a.mov(rax, __[rsi]);
        a.mov(rdx, __[rsi + 8]);
        a.mov(rbx, rax);
        a.shr(rbx, 7);
        Join(a, () => a.cmp(al, dl), () => a.cmp(bl, al), j => a.jl(j), () => a.add(r10, 1));
        Join(a, () => a.cmp(ax, dx), () => a.cmp(dx, bx), j => a.jg(j), () => a.add(r10, 3));
        Join(a, () => a.cmp(eax, edx), () => a.cmp(ebx, edx), null, () =>
        {
            a.setbe(r8b);
            a.cmovl(r9d, eax);
            a.mov(__[rsi + 16], r9); // a store right after the join: its spill writes the known producer back
        });
        Join(a, () => a.add(rax, rdx), () => a.add(rbx, rdx), null, () => a.adc(r11, 0));
        a.add(r10, r8);
        a.add(rsi, 8);
        a.and(rsi, 0xFF8);
        a.or(rsi, (int)Data);
        a.dec(ecx);
        a.jnz(top);
        a.pushfq();
        a.pop(r15);
        a.hlt();
    }

    /// <summary>Bit 0 of RAX picks one of two producers of the same operation and size; the join reads their flags first.</summary>
    private static void Join(Iced.Intel.Assembler a, Action first, Action second, Action<Iced.Intel.Label>? branch, Action atJoin)
    {
        var other = a.CreateLabel();
        var join = a.CreateLabel();
        var skip = a.CreateLabel();
        a.test(rax, 1);
        a.jz(other);
        first();
        a.jmp(join);
        a.Label(ref other);
        second();
        a.Label(ref join);
        if (branch is not null)
        {
            branch(skip);
            atJoin();
            a.Label(ref skip);
            a.nop();
        }
        else
            atJoin();
        a.shr(rax, 1);
    }
}
