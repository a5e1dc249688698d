using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Compiled blocks that hold code of two pages: a hot loop across a page boundary, with an instruction
/// straddling it (the form of the generic kernel's xz literal loop), runs inside one compiled block, with the
/// interpreter's registers, memory, counts and stops; a write to the straddling instruction's bytes on either
/// page drops the block and the new bytes run.
/// </summary>
[TestFixture]
public class BlockPagesTests
{
    private const ulong Data = 0x200000;

    /// <summary>The straddling instruction: ADD EAX, imm32 (05 id, SDM Vol. 2A ADD) at 0xFFE, its opcode and first immediate byte on the first page.</summary>
    private const ulong Straddler = TestMachine.CodeBase + 0x1FFE;

    private const int Iterations = 2000;

    /// <summary>
    /// The loop's head on the first page, the straddler, its tail on the second page and a branch back;
    /// <paramref name="patch"/> is the address whose byte the loop increments each time (0 for none).
    /// </summary>
    private static TierPair Load(ulong patch = 0)
    {
        var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                a.mov(ecx, Iterations);
                a.xor(eax, eax);
                a.mov(rbx, Data);
                a.mov(rdi, patch == 0 ? Data + 0x800 : patch);
                a.jmp(Straddler - 8);
            });
            m.Load(64, Straddler - 8, a =>
            {
                a.add(__dword_ptr[rbx + rcx * 4], ecx); // 01 0C 8B
                a.lea(edx, __[rax + rcx * 2]); // 8D 14 48
                a.xor(esi, edx); // two bytes: the straddler follows at 0xFFE
            });
            m.Load(64, Straddler, a =>
            {
                a.db(0x05, 0x03, 0x00, 0x00, 0x00); // add eax, 3
                a.inc(__byte_ptr[rdi]);
                a.sub(esi, eax);
                a.dec(ecx);
                a.jnz(Straddler - 8);
                a.hlt();
            });
            for (ulong i = 0; i < 0x2000; i += 8)
                m.Memory.WriteU64(Data + i, i * 0x9E37_79B9_7F4A_7C15UL);
            m.EnterLong64(TestMachine.CodeBase);
        });
        return pair;
    }

    [Test]
    public void A_loop_across_a_page_boundary_runs_inside_one_compiled_block()
    {
        using var pair = Load();
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 0x2000);
        pair.Tiered.Cpu[Register.RAX].ShouldBe(3UL * Iterations);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        stats.Entries.ShouldBeLessThan(20L, "the loop crosses the page boundary inside the block, not through the run loop");
    }

    [Test]
    public void A_loop_across_a_page_boundary_stops_at_every_budget_where_the_interpreter_stops()
    {
        using var pair = Load();
        pair.RunInChunksToHalt(longSlice: true);
        pair.SameMemory(Data, 0x2000);
    }

    [TestCase(Straddler + 1, TestName = "A_write_to_the_straddling_instructions_bytes_on_the_first_page_runs_the_new_bytes")]
    [TestCase(Straddler + 4, TestName = "A_write_to_the_straddling_instructions_bytes_on_the_second_page_runs_the_new_bytes")]
    public void A_write_to_the_straddling_instructions_bytes_runs_the_new_bytes(ulong patch)
    {
        using var pair = Load(patch);
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        ulong expected = 0;
        for (var k = 0; k < Iterations; k++)
        {
            // The immediate as the k increments before this iteration left it: its low byte (first page) or its top byte (second page).
            expected += patch == Straddler + 1 ? (ulong)((3 + k) & 0xFF) : 3UL | ((ulong)(k & 0xFF) << 24);
        }
        pair.Tiered.Cpu[Register.RAX].ShouldBe(expected & 0xFFFF_FFFF);
        pair.SameMemory(Data, 0x2000);
    }

    /// <summary>
    /// A loop across the page boundary that reads CR3 on its first page before the block over both pages, and writes it
    /// back every eighth pass, flushing the instruction TLB (SDM Vol. 3A §4.10.4.1; the test's pages are not global). The
    /// MOVs of CR3 have no host form, so the loop enters the block from the interpreter each pass; after a flush a walk
    /// finds the block's second page again, and the block runs instead of the interpreter.
    /// </summary>
    [Test]
    public void A_block_whose_second_page_a_tlb_flush_dropped_still_runs_compiled()
    {
        const ulong Head = Straddler - 0x40;
        const ulong Body = Straddler - 8;
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                a.mov(ecx, Iterations);
                a.xor(eax, eax);
                a.mov(rbx, cr3);
                a.jmp(Head);
            });
            m.Load(64, Head, a =>
            {
                var read = a.CreateLabel();
                a.test(ecx, 7);
                a.jnz(read);
                a.mov(cr3, rbx);
                a.Label(ref read);
                a.mov(rbx, cr3);
                a.jmp(Body);
            });
            m.Load(64, Body, a =>
            {
                a.lea(edx, __[rax + rcx * 2]); // 8D 14 48
                a.xor(esi, edx); // 31 D6
                a.add(eax, ecx); // 01 C8
                a.nop(); // the straddler follows at 0xFFE
            });
            m.Load(64, Straddler, a =>
            {
                a.db(0x05, 0x03, 0x00, 0x00, 0x00); // add eax, 3
                a.sub(esi, eax);
                a.dec(ecx);
                a.jnz(Head);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        const int Flushes = Iterations / 8;
        pair.Interpreted.ShouldBeLessThan(Iterations + 2L * Flushes, "the MOV from CR3 each pass and the MOV to CR3 each flush, no more");
    }

    [Test]
    public void A_breakpoint_on_the_second_page_stops_the_compiled_loop_there()
    {
        using var pair = Load();
        pair.Run(5_000).Reason.ShouldBe(StopReason.Budget);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
        var stop = Straddler + 5; // inc byte [rdi], the first instruction wholly on the second page
        pair.Both(m => m.Cpu.AddBreakpoint(stop));
        for (var i = 0; i < 3; i++)
        {
            pair.Run(1_000_000, $"stop {i}").Reason.ShouldBe(StopReason.Breakpoint);
            pair.Tiered.Cpu.Rip.ShouldBe(stop);
        }
    }
}
