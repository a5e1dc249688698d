using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// The forms real kernel code needs of the compiling tier (the xz decompressor's shifts by CL, loops longer
/// than one compiled block, an instruction straddling a page boundary), each against the interpreter: the
/// same registers, flags, memory, instruction counts and stops, also at budgets that end mid-way.
/// </summary>
[TestFixture]
public class KernelFormsTests
{
    private const ulong Data = 0x200000;

    /// <summary>Shifts by CL in every width, register and memory destinations, CL running through 0..299 so masked counts of 0 and of the full width occur; the flags they leave are read after each.</summary>
    private static void ShiftByClLoop(Assembler a)
    {
        var top = a.CreateLabel();
        a.xor(ecx, ecx);
        a.mov(rbx, Data);
        a.mov(rax, 0x8123_4567_89AB_CDEFUL);
        a.Label(ref top);
        a.cmp(ecx, 150); // flags a count of 0 must leave in place
        a.shl(rax, cl);
        a.setc(dl);
        a.add(r8, rdx);
        a.or(rax, rcx);
        a.shr(esi, cl);
        a.adc(esi, 0x7654_3210);
        a.sar(di, cl);
        a.sbb(edi, ecx);
        a.shl(r9b, cl);
        a.seto(dl);
        a.add(r10, rdx);
        a.add(r9d, 0x5A);
        a.sar(__dword_ptr[rbx + rcx * 4], cl);
        a.cmovs(r11, rcx);
        a.shr(__qword_ptr[rbx + 0x800], cl);
        a.setz(dl);
        a.add(r12, rdx);
        a.inc(ecx);
        a.cmp(ecx, 300);
        a.jne(top);
        a.hlt();
    }

    private static TierPair Load(Action<Assembler> program) => TierPair.Program64(program, Data, 0x1000);

    [Test]
    public void Shifts_by_cl_are_compiled_and_a_count_of_zero_keeps_the_flags()
    {
        using var pair = Load(ShiftByClLoop);
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 0x1000);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        stats.Rejected.ShouldBe(0);
    }

    [Test]
    public void Shifts_by_cl_stop_at_every_budget_where_the_interpreter_stops()
    {
        using var pair = Load(ShiftByClLoop);
        pair.RunInChunksToHalt();
        pair.SameMemory(Data, 0x1000);
    }

    /// <summary>A loop body of 300 instructions, more than one compiled block holds: the blocks it is split into run one after the other.</summary>
    private static void LongLoop(Assembler a)
    {
        var top = a.CreateLabel();
        a.mov(ecx, 400);
        a.mov(rbx, Data);
        a.Label(ref top);
        for (var k = 0; k < 100; k++)
        {
            a.add(rax, k + 1);
            a.xor(rdx, rax);
            a.mov(__qword_ptr[rbx + (k % 64) * 8], rdx);
        }
        a.dec(ecx);
        a.jnz(top);
        a.hlt();
    }

    [Test]
    public void Compiled_blocks_chain_to_their_successors_with_the_interpreters_results()
    {
        using var pair = Load(LongLoop);
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 0x200);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(1);
        stats.Chained.ShouldBeGreaterThan(0);
    }

    [Test]
    public void A_block_ends_at_an_entry_that_has_a_compiled_block_so_code_is_compiled_once()
    {
        // The 300-instruction body is more than one block holds, so it is split at entries that became hot; each block
        // stops where another's entry begins instead of translating the rest of the body again.
        using var pair = Load(LongLoop);
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 0x200);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(1);
        stats.GuestInstructions.ShouldBeLessThanOrEqualTo(305L, "the loop's 302 instructions (and the 3 around it) are translated once each, not again by each block");
    }

    [Test]
    public void Chained_blocks_stop_at_every_budget_and_breakpoint_where_the_interpreter_stops()
    {
        using var pair = Load(LongLoop);
        ulong[] chunks = [97, 131, 257, 1009];
        for (var i = 0; i < 40; i++)
            pair.Run(chunks[i % chunks.Length], $"after chunk {i}").Reason.ShouldBe(StopReason.Budget);
        pair.Tiered.Cpu.Tiering.Chained.ShouldBeGreaterThan(0);
        var stop = BoundaryAtOrAfter(pair.Interpreter, TestMachine.CodeBase + 0x400); // deep in the body, past the first block

        pair.Both(m => m.Cpu.AddBreakpoint(stop));
        for (var i = 0; i < 3; i++)
        {
            pair.Run(1_000_000, $"stop {i}").Reason.ShouldBe(StopReason.Breakpoint);
            pair.Tiered.Cpu.Rip.ShouldBe(stop);
        }
    }

    [Test]
    public void An_instruction_straddling_a_page_boundary_runs_its_current_bytes_each_time()
    {
        // ADD EAX, imm32 (05 id, SDM Vol. 2A ADD) at 0xFFE of the page: the opcode and the immediate's first byte
        // on the first page, the other three on the next; the loop increments the immediate's top byte.
        const ulong straddler = TestMachine.CodeBase + 0x1FFE;
        const int iterations = 600;
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                a.mov(ecx, iterations);
                a.xor(eax, eax);
                a.mov(rbx, straddler + 4);
                a.jmp(straddler);
            });
            m.Load(64, straddler, a =>
            {
                var top = a.CreateLabel();
                a.Label(ref top);
                a.db(0x05, 0x00, 0x00, 0x00, 0x01); // add eax, 0x01000000
                a.inc(__byte_ptr[rbx]);
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        uint expected = 0;
        for (var k = 0; k < iterations; k++)
            expected += (uint)((k + 1) & 0xFF) << 24;
        pair.Tiered.Cpu[Register.RAX].ShouldBe(expected);
    }

    [Test]
    public void An_unchanged_instruction_straddling_a_page_boundary_is_decoded_once_not_every_time()
    {
        // The xz loop's form: ADD EAX, imm32 (05 id, SDM Vol. 2A ADD) at 0xFFE, split over two pages, run 2,000
        // times with its bytes unchanged. It has no slot in either page; its decoding is reused while its bytes
        // fetched again are equal, so the run decodes a handful of instructions, not one per iteration.
        const ulong straddler = TestMachine.CodeBase + 0x1FFE;
        const int iterations = 2000;
        using var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                a.mov(ecx, iterations);
                a.xor(eax, eax);
                a.jmp(straddler);
            });
            m.Load(64, straddler, a =>
            {
                var top = a.CreateLabel();
                a.Label(ref top);
                a.db(0x05, 0x03, 0x00, 0x00, 0x00); // add eax, 3
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[Register.RAX].ShouldBe(3UL * iterations);
        pair.Interpreter.Cpu.DecodedInstructions.ShouldBeLessThan(20UL);
        pair.Tiered.Cpu.DecodedInstructions.ShouldBeLessThan(20UL);
    }

    [Test]
    public void A_loop_over_two_code_pages_fetches_through_the_new_mapping_after_invlpg()
    {
        // Linear 0x400000 (one 2 MiB page of the identity map) is remapped mid-loop to physical 0x600000, where
        // the same loop adds 100 instead of 1; INVLPG drops the old translation (SDM Vol. 3A §4.10.4.1), so the
        // fetch pages kept for the loop's two code pages must be dropped with it.
        const ulong head = 0x400FE0, tail = 0x401000;
        const ulong pde = TestMachine.PageTables + 0x2000 + 2 * 8; // PD[2]: linear 0x400000–0x5FFFFF
        using var pair = new TierPair();
        pair.Both(m =>
        {
            foreach (var (physical, step) in new[] { (0UL, 1), (0x200000UL, 100) })
            {
                m.Load(64, head + physical, a =>
                {
                    var skip = a.CreateLabel();
                    a.cmp(ecx, 500);
                    a.jne(skip);
                    a.mov(__qword_ptr[r8], r9);
                    a.invlpg(__byte_ptr[r10]);
                    a.invlpg(__byte_ptr[r10 + 0x1000]);
                    a.Label(ref skip);
                    a.jmp(tail + physical);
                });
                m.Load(64, tail + physical, a =>
                {
                    a.add(edx, step);
                    a.dec(ecx);
                    a.jnz(head + physical);
                    a.hlt();
                });
            }
            m.EnterLong64(head);
            m.Cpu[Register.RCX] = 1000;
            m.Cpu[Register.RDX] = 0;
            m.Cpu[Register.R8] = pde;
            m.Cpu[Register.R9] = 0x600000 | 0x83; // present, writable, 2 MiB page (SDM Vol. 3A Table 4-18)
            m.Cpu[Register.R10] = 0x400000;
        });
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[Register.RDX].ShouldBe(500UL * 1 + 500UL * 100);
    }

    private static ulong BoundaryAtOrAfter(TestMachine m, ulong address)
    {
        var bytes = m.Memory.ReadBytes(TestMachine.CodeBase, 0x1000);
        var decoder = Decoder.Create(64, bytes, TestMachine.CodeBase);
        while (true)
        {
            decoder.Decode(out var i);
            if (i.IP >= address)
                return i.IP;
        }
    }
}
