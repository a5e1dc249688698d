using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Stage-1 translation with the 4 KiB granule (Arm ARM D8): the test RAM is identity-mapped with 2 MiB blocks,
/// extra pages and blocks are mapped at low and TTBR1 addresses, and the program turns the MMU on itself.
/// Faults report EC, DFSC (type | level), WnR and FAR as D19.2.37 ESR_EL1 describes.
/// </summary>
[TestFixture]
public class PagingTests
{
    private const ulong Tables = Arm64TestMachine.RamBase + 0x80_0000;
    private const ulong LowPage = 0x1234_5000;
    private const ulong HighBlock = 0xFFFF_8000_1000_0000;

    /// <summary>Turns the MMU on, then runs <paramref name="body"/>; a data abort lands in a handler that records ESR/FAR in x4/x5 and skips the access.</summary>
    private static string Program(string body) => $"""
        adr x0, vectors
        msr vbar_el1, x0
        {Arm64PageTables.EnableMmu(Tables, high: true)}
        {body}
        b done
        .balign 2048
        vectors:
        .skip 0x200
        mrs x4, esr_el1
        mrs x5, far_el1
        mrs x6, elr_el1
        add x6, x6, #4
        msr elr_el1, x6
        eret
        .ltorg
        done:
        """;

    private static Arm64TestMachine Machine(out Arm64PageTables tables)
    {
        var m = new Arm64TestMachine();
        tables = new Arm64PageTables(m.Memory, Tables);
        for (var offset = 0UL; offset < Arm64TestMachine.RamSize; offset += 0x20_0000)
            tables.MapBlock(Arm64TestMachine.RamBase + offset, Arm64TestMachine.RamBase + offset);
        return m;
    }

    [Test]
    public void Pages_blocks_and_ttbr1_translate()
    {
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, Arm64TestMachine.DataBase);
        // TTBR1 shares the root here: bit 55 picks it, bits [47:0] index it.
        tables.MapBlock(HighBlock & 0xFFFF_FFFF_FFFF, Arm64TestMachine.DataBase & ~0x1F_FFFFUL);
        m.Memory.WriteU64(Arm64TestMachine.DataBase + 0x18, 0x1122_3344_5566_7788);
        var result = m.Run(Program($"""
            ldr x1, ={LowPage}
            ldr x2, [x1, #0x18]
            mov x3, #0x99
            str x3, [x1, #0x20]
            ldr x1, ={HighBlock + (Arm64TestMachine.DataBase & 0x1F_FFFF)}
            ldr x7, [x1, #0x18]
            """));
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu.MmuEnabled.ShouldBeTrue();
        m.Cpu[2].ShouldBe(0x1122_3344_5566_7788UL);
        m.Cpu[7].ShouldBe(0x1122_3344_5566_7788UL);
        m.Memory.ReadU64(Arm64TestMachine.DataBase + 0x20).ShouldBe(0x99UL);
        m.Cpu[4].ShouldBe(0UL, "no fault expected");
    }

    private static IEnumerable<TestCaseData> Faults()
    {
        // DFSC: translation fault level 3 = 0b000111; access flag level 3 = 0b001011; permission level 3 = 0b001111.
        yield return new TestCaseData(0UL, "ldr x2, [x1]", 0b000111UL, false).SetName("invalid_page_is_a_level3_translation_fault");
        yield return new TestCaseData((Arm64TestMachine.DataBase & ~0xFFFUL) | 3 | (3UL << 8), "ldr x2, [x1]", 0b001011UL, false).SetName("af_clear_is_an_access_flag_fault");
        yield return new TestCaseData((Arm64TestMachine.DataBase & ~0xFFFUL) | 3 | Arm64PageTables.Normal | Arm64PageTables.ReadOnly, "str x2, [x1]", 0b001111UL, true).SetName("write_to_read_only_is_a_permission_fault");
    }

    [TestCaseSource(nameof(Faults))]
    public void Data_aborts_report_status_level_and_address(ulong descriptor, string access, ulong dfsc, bool write)
    {
        using var m = Machine(out var tables);
        tables.SetPageDescriptor(LowPage, descriptor);
        m.Run(Program($"""
            ldr x1, ={LowPage + 0x10}
            {access}
            """));
        // EC 0x25 = data abort from the current EL; WnR (bit 6) for writes.
        (m.Cpu[4] >> 26).ShouldBe(0x25UL);
        (m.Cpu[4] & 0x3F).ShouldBe(dfsc);
        ((m.Cpu[4] >> 6) & 1).ShouldBe(write ? 1UL : 0UL);
        m.Cpu[5].ShouldBe(LowPage + 0x10);
    }

    [Test]
    public void Unmapped_level0_entry_faults_at_level_0()
    {
        using var m = Machine(out _);
        m.Run(Program("""
            ldr x1, =0x0000700000000000
            ldr x2, [x1]
            """));
        (m.Cpu[4] & 0x3F).ShouldBe(0b000100UL);
    }

    [Test]
    public void Tlbi_makes_a_changed_descriptor_visible()
    {
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, Arm64TestMachine.DataBase);
        m.Memory.WriteU64(Arm64TestMachine.DataBase, 1);
        m.Memory.WriteU64(Arm64TestMachine.DataBase + 0x1000, 2);
        var descriptorAddress = FindLevel3Slot(m, LowPage);
        m.Run(Program($"""
            ldr x1, ={LowPage}
            ldr x2, [x1]
            ldr x8, ={descriptorAddress}
            ldr x9, [x8]
            add x9, x9, #0x1000
            str x9, [x8]
            dsb ishst
            tlbi vmalle1
            dsb ish
            isb
            ldr x3, [x1]
            """));
        m.Cpu[2].ShouldBe(1UL);
        m.Cpu[3].ShouldBe(2UL);
    }

    [Test]
    public void At_s1e1r_writes_par_el1()
    {
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, Arm64TestMachine.DataBase);
        m.Run(Program($"""
            ldr x1, ={LowPage + 0x123}
            at s1e1r, x1
            mrs x2, par_el1
            ldr x1, =0x0000700000000000
            at s1e1r, x1
            mrs x3, par_el1
            """));
        // PAR_EL1: PA[47:12] on success; F (bit 0) = 1 and FST (bits 6:1) on failure (D19.2.97).
        m.Cpu[2].ShouldBe(Arm64TestMachine.DataBase);
        (m.Cpu[3] & 1).ShouldBe(1UL);
        ((m.Cpu[3] >> 1) & 0x3F).ShouldBe(0b000100UL);
    }

    [Test]
    public void Exception_whose_vector_faults_stops_as_recursive()
    {
        using var m = Machine(out _);
        var result = m.Run(Program("""
            ldr x1, =0x0000700000000000
            msr vbar_el1, x1
            isb
            brk #0
            """));
        // The BRK goes to VBAR + 0x200, whose fetch is an instruction abort taken to the same vector.
        result.Reason.ShouldBe(StopReason.RecursiveException, result.ToString());
        result.Pc.ShouldBe(0x0000_7000_0000_0200UL);
    }

    [Test]
    public void Code_remapped_and_flushed_with_tlbi_runs_from_its_new_page()
    {
        // The instruction TLB keeps the helper page's translation between calls; TLBI drops it (Arm ARM D8.13).
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, Arm64TestMachine.DataBase);
        m.Memory.WriteU32(Arm64TestMachine.DataBase, 0xD2800020); // mov x0, #1
        m.Memory.WriteU32(Arm64TestMachine.DataBase + 4, 0xD65F03C0); // ret
        m.Memory.WriteU32(Arm64TestMachine.DataBase + 0x1000, 0xD2800040); // mov x0, #2
        m.Memory.WriteU32(Arm64TestMachine.DataBase + 0x1004, 0xD65F03C0); // ret
        var descriptorAddress = FindLevel3Slot(m, LowPage);
        m.Run(Program($"""
            ldr x1, ={LowPage}
            blr x1
            mov x2, x0
            blr x1
            mov x3, x0
            ldr x8, ={descriptorAddress}
            ldr x9, [x8]
            add x9, x9, #0x1000
            str x9, [x8]
            dsb ishst
            tlbi vmalle1
            dsb ish
            isb
            blr x1
            mov x6, x0
            """));
        m.Cpu[2].ShouldBe(1UL);
        m.Cpu[3].ShouldBe(1UL);
        m.Cpu[6].ShouldBe(2UL);
        m.Cpu.FetchCacheHits.ShouldBeGreaterThan(0UL, "returning to the caller's page and calling the helper again hit the instruction TLB");
    }

    [Test]
    public void A_loop_calling_a_helper_in_another_page_walks_each_page_once()
    {
        using var m = Machine(out var tables);
        tables.MapPage(LowPage, Arm64TestMachine.DataBase);
        m.Memory.WriteU32(Arm64TestMachine.DataBase, 0x91000400); // add x0, x0, #1
        m.Memory.WriteU32(Arm64TestMachine.DataBase + 4, 0xD65F03C0); // ret
        m.Run(Program($"""
            mov x0, #0
            mov x7, #100
            ldr x1, ={LowPage}
            again:
            blr x1
            subs x7, x7, #1
            b.ne again
            """));
        m.Cpu[0].ShouldBe(100UL);
        m.Cpu.FetchCacheHits.ShouldBeGreaterThanOrEqualTo(199UL, "every switch between the loop's page and the helper's after the first of each");
    }

    private static ulong FindLevel3Slot(Arm64TestMachine m, ulong va)
    {
        var table = Tables;
        for (var level = 0; level < 3; level++)
            table = m.Memory.ReadU64(table + ((va >> (39 - 9 * level)) & 0x1FF) * 8) & 0x0000_FFFF_FFFF_F000;
        return table + ((va >> 12) & 0x1FF) * 8;
    }
}
