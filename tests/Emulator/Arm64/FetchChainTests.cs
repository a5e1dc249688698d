using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// The interpreter's chains: each cached instruction links the entries of PC + 4 and of its branch target in its
/// page (<c>A64Instruction.NextAt</c>, <c>TargetAt</c>). A link must never outlive what it was made under: code
/// rewritten in place, a breakpoint set later, a TLB flush that remaps the page (Arm ARM D8.13), another virtual
/// address of the same page, and a budget that ends the run between two linked instructions.
/// </summary>
[TestFixture]
public class FetchChainTests
{
    private const ulong Tables = Arm64TestMachine.RamBase + 0x80_0000;
    private const ulong LowPage = 0x1234_5000;
    private const ulong OtherAlias = 0x2345_6000;

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void Code_rewritten_inside_a_linked_loop_runs_its_new_instruction(EngineTier engine)
    {
        // Ten iterations add 1, the tenth rewriting that instruction to add 100 (0x91019000), then ten more. The store
        // runs every iteration, into a word of the same page that is not code until then, so it is linked to the next
        // instruction before it empties its own page.
        using var m = new Arm64TestMachine();
        m.Cpu.CompileThreshold = 4;
        m.Cpu.CompileBudget = 0; // compile every hot entry
        m.Cpu.Engine = engine;
        var result = m.Run("""
            mov x0, #0
            mov x2, #0
            adr x3, scratch
            adr x6, 2f
            ldr w4, =0x91019000
            1: add x2, x2, #1
            2: add x0, x0, #1
            cmp x2, #10
            csel x7, x6, x3, eq
            str w4, [x7]
            cmp x2, #20
            b.ne 1b
            b 3f
            scratch: .word 0
            3:
            """);

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[0].ShouldBe(10UL + 10 * 100, "the store emptied the page under the running chain");
        m.Cpu.TotalInstructions.ShouldBe(5UL + 20 * 7 + 1 + 1); // the setup, 20 iterations, the branch over the word, the WFI
    }

    [Test]
    public void A_breakpoint_set_on_a_linked_successor_stops_there_each_time()
    {
        using var m = new Arm64TestMachine();
        m.Load("1: add x0, x0, #1\n add x1, x1, #1\n b 1b");
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        m.Cpu.Run(300).Reason.ShouldBe(StopReason.Budget); // 100 iterations: every link made

        m.Cpu.AddBreakpoint(Arm64TestMachine.CodeBase + 4);
        var first = m.Cpu.Run(1000);
        first.Reason.ShouldBe(StopReason.Breakpoint);
        first.Pc.ShouldBe(Arm64TestMachine.CodeBase + 4);
        first.Instructions.ShouldBe(1UL);
        for (var i = 0; i < 3; i++)
        {
            // Stepped over, then around the loop back to it: reached through the branch's link and PC + 4's.
            var again = m.Cpu.Run(1000);
            again.Reason.ShouldBe(StopReason.Breakpoint);
            again.Instructions.ShouldBe(3UL);
        }
        m.Cpu[0].ShouldBe(104UL);
        m.Cpu[1].ShouldBe(103UL);
    }

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void Runs_sliced_anywhere_in_a_chain_stop_where_single_steps_do(EngineTier engine)
    {
        // A loop with a conditional skip, calling a function whose last words run off the end of a page into the next.
        const string source = """
            mov x0, #0
            mov x5, #50
            1: bl f
            add x0, x0, x1
            tbz x5, #0, 2f
            add x0, x0, #3
            2: subs x5, x5, #1
            b.ne 1b
            b done
            .balign 4096
            .skip 4096 - 8
            f: add x1, x5, #7
            eor x1, x1, x0
            lsl x1, x1, #1
            ret
            done:
            """;
        using var reference = new Arm64TestMachine();
        var pcs = new List<ulong>();
        reference.Load(source + "\n wfi\n");
        reference.Cpu.Pc = Arm64TestMachine.CodeBase;
        while (reference.Cpu.Run(1).Reason == StopReason.Budget)
            pcs.Add(reference.Cpu.Pc);

        using var m = new Arm64TestMachine();
        m.Cpu.CompileThreshold = 4;
        m.Cpu.CompileBudget = 0; // compile every hot entry
        m.Cpu.Engine = engine;
        m.Load(source + "\n wfi\n");
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        var slice = 0UL;
        RunResult result;
        while ((result = m.Cpu.Run(++slice % 7 + 1)).Reason == StopReason.Budget)
            m.Cpu.Pc.ShouldBe(pcs[(int)m.Cpu.TotalInstructions - 1], $"after {m.Cpu.TotalInstructions} instructions");

        result.Reason.ShouldBe(StopReason.Halt);
        m.Cpu.TotalInstructions.ShouldBe(reference.Cpu.TotalInstructions);
        m.Cpu[0].ShouldBe(reference.Cpu[0]);
    }

    [Test]
    public void A_page_remapped_under_its_own_running_code_runs_from_its_new_frame()
    {
        // The function remaps the virtual page it runs from and flushes the TLB (Arm ARM D8.13); the second time, the
        // instructions after the TLBI come from the new frame, which adds 2 where the old one adds 1.
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, Arm64TestMachine.DataBase);
        m.Memory.Write(Arm64TestMachine.DataBase, A64Assembly.Assemble(RemappingFunction(1)));
        m.Memory.Write(Arm64TestMachine.DataBase + 0x1000, A64Assembly.Assemble(RemappingFunction(2)));
        var descriptor = FindLevel3Slot(m, LowPage);
        var result = m.Run(WithMmu($"""
            ldr x8, ={descriptor}
            ldr x9, [x8]
            add x10, x9, #0x1000
            mov x6, #0
            mov x7, #2
            ldr x1, ={LowPage}
            blr x1
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[6].ShouldBe(1UL + 2, "the TLBI ended the chain linked through the old frame's entries");
    }

    [Test]
    public void A_page_mapped_at_two_addresses_links_nothing_across_a_page_end()
    {
        // One frame at two virtual pages; its last word runs on into the next virtual page, which is the same frame
        // after the first alias and another frame after the second. ADR shows each alias's own address.
        const ulong frame = Arm64TestMachine.DataBase, other = Arm64TestMachine.DataBase + 0x1000;
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, frame);
        tables.MapPage(LowPage + 0x1000, frame);
        tables.MapPage(OtherAlias, frame);
        tables.MapPage(OtherAlias + 0x1000, other);
        m.Memory.WriteU32(frame, 0xD2800023); // mov x3, #1
        m.Memory.WriteU32(frame + 4, 0xD65F03C0); // ret
        m.Memory.WriteU32(frame + 0xFF8, 0x10000001); // adr x1, .
        m.Memory.WriteU32(frame + 0xFFC, 0x91000442); // add x2, x2, #1
        m.Memory.WriteU32(other, 0xD2800043); // mov x3, #2
        m.Memory.WriteU32(other + 4, 0xD65F03C0); // ret
        var result = m.Run(WithMmu($"""
            mov x2, #0
            mov x7, #3
            ldr x4, ={LowPage + 0xFF8}
            1: blr x4
            subs x7, x7, #1
            b.ne 1b
            mov x5, x3
            ldr x4, ={OtherAlias + 0xFF8}
            blr x4
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[5].ShouldBe(1UL);
        m.Cpu[3].ShouldBe(2UL, "the second alias runs on into its own next page");
        m.Cpu[1].ShouldBe(OtherAlias + 0xFF8);
        m.Cpu[2].ShouldBe(4UL);
    }

    [Test]
    public void An_a64_entry_is_a_whole_number_of_16_byte_units()
    {
        // The chain's links hold an entry's place in 16-byte units (A64Instruction.NextAt).
        (System.Runtime.CompilerServices.Unsafe.SizeOf<LoaderHarness.Emulator.Arm64.A64Instruction>() % 16).ShouldBe(0);
    }

    /// <summary>
    /// A function at <see cref="LowPage"/>, run twice: each time it stores x9 to the descriptor at x8, flushes the TLB,
    /// adds <paramref name="add"/> to x6, then makes x9 the descriptor in x10 for the next time.
    /// </summary>
    private static string RemappingFunction(int add) => $"""
        1: str x9, [x8]
        dsb ishst
        tlbi vmalle1
        dsb ish
        isb
        add x6, x6, #{add}
        mov x9, x10
        subs x7, x7, #1
        b.ne 1b
        ret
        """;

    /// <summary>Turns the MMU on (the test RAM identity-mapped by <see cref="Machine"/>), then runs <paramref name="body"/>.</summary>
    private static string WithMmu(string body) => $"""
        {Arm64PageTables.EnableMmu(Tables)}
        {body}
        """;

    private static Arm64TestMachine Machine(out Arm64PageTables tables)
    {
        var m = new Arm64TestMachine();
        tables = new Arm64PageTables(m.Memory, Tables);
        for (var offset = 0UL; offset < Arm64TestMachine.RamSize; offset += 0x20_0000)
            tables.MapBlock(Arm64TestMachine.RamBase + offset, Arm64TestMachine.RamBase + offset);
        return m;
    }

    private static ulong FindLevel3Slot(Arm64TestMachine m, ulong va)
    {
        var table = Tables;
        for (var level = 0; level < 3; level++)
            table = m.Memory.ReadU64(table + ((va >> (39 - 9 * level)) & 0x1FF) * 8) & 0x0000_FFFF_FFFF_F000;
        return table + ((va >> 12) & 0x1FF) * 8;
    }
}
