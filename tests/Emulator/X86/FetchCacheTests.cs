using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// The instruction TLB: switching between code pages reuses their translation until a TLB flush, and never
/// runs code through a stale or re-keyed page (SDM Vol. 3A §4.10.4: INVLPG and MOV to CR3 invalidate it).
/// </summary>
[TestFixture]
public class FetchCacheTests
{
    private const ulong Tables = 0x20_0000;
    private const ulong Helper = 0x4000_0000;

    private static PageTableBuilder FourLevel(TestMachine m)
    {
        var pt = new PageTableBuilder(m.Memory, PagingFormat.FourLevel, Tables);
        pt.IdentityMap(0, 0x2_0000);
        pt.IdentityMap(TestMachine.StackTop - 0x4000, TestMachine.StackTop);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        m.EnterLong64(TestMachine.CodeBase);
        m.Cpu.Cr3 = pt.Root;
        return pt;
    }

    /// <summary>The helper's two versions: <c>mov eax, 1; ret</c> at 0x70_0000 and <c>mov eax, 2; ret</c> at 0x71_0000.</summary>
    private static void LoadTwoHelpers(TestMachine m)
    {
        m.Load(64, 0x70_0000, a =>
        {
            a.mov(eax, 1);
            a.ret();
        });
        m.Load(64, 0x71_0000, a =>
        {
            a.mov(eax, 2);
            a.ret();
        });
    }

    [Test]
    public void A_loop_calling_a_helper_in_another_page_walks_each_page_once()
    {
        using var m = new TestMachine();
        FourLevel(m);
        m.Load(64, TestMachine.CodeBase + 0x1000, a =>
        {
            a.add(rax, 1);
            a.ret();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var loop = a.CreateLabel();
            a.xor(eax, eax);
            a.mov(ecx, 100);
            a.Label(ref loop);
            a.call(TestMachine.CodeBase + 0x1000);
            a.dec(ecx);
            a.jnz(loop);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.RAX].ShouldBe(100UL);
        m.Cpu.FetchCacheMisses.ShouldBeLessThanOrEqualTo(2UL, "one walk for each of the two pages");
        m.Cpu.FetchCacheHits.ShouldBeGreaterThanOrEqualTo(199UL, "every other switch between them comes from the instruction TLB");
    }

    [Test]
    public void Code_remapped_and_flushed_with_invlpg_runs_from_its_new_page()
    {
        using var m = new TestMachine();
        var pt = FourLevel(m);
        var leaf = pt.Map(Helper, 0x70_0000, PageTableBuilder.Present);
        LoadTwoHelpers(m);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, Helper);
            a.call(rdx);
            a.mov(r8, rax);
            a.mov(rsi, (long)leaf);
            a.mov(__qword_ptr[rsi], 0x71_0001);
            a.invlpg(__byte_ptr[rdx]);
            a.call(rdx);
            a.mov(r9, rax);
            a.mov(__qword_ptr[rsi], 0x70_0001);
            a.mov(rax, cr3);
            a.mov(cr3, rax);
            a.call(rdx);
            a.mov(r10, rax);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(2UL, "INVLPG dropped the cached translation of the helper's page");
        m.Cpu[Register.R10].ShouldBe(1UL, "MOV to CR3 dropped it too");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_cr3_write_keeps_a_global_code_pages_translation_only_with_cr4_pge(bool pge)
    {
        // SDM Vol. 3A §4.10.4.1: MOV to CR3 invalidates every TLB entry but those of global pages (G, bit 8 of the entry
        // that maps the page, honoured with CR4.PGE set, §4.10.2.4), the instruction TLB's as the data TLB's; INVLPG
        // drops a global page's entry too. The helper's page is remapped without INVLPG, so which code the second call
        // runs tells whether the old translation was kept.
        using var m = new TestMachine();
        var pt = FourLevel(m);
        if (pge)
            m.Cpu.Cr4 |= ControlBits.Cr4Pge;
        const ulong g = 0x100;
        var leaf = pt.Map(Helper, 0x70_0000, PageTableBuilder.Present | g);
        LoadTwoHelpers(m);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, Helper);
            a.call(rdx);
            a.mov(r8, rax);
            a.mov(rsi, (long)leaf);
            a.mov(__qword_ptr[rsi], (int)(0x71_0000 | PageTableBuilder.Present | g));
            a.mov(rax, cr3);
            a.mov(cr3, rax);
            a.call(rdx);
            a.mov(r9, rax);
            a.invlpg(__byte_ptr[rdx]);
            a.call(rdx);
            a.mov(r10, rax);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(pge ? 1UL : 2UL, "the global code page's translation outlives the CR3 write only with PGE");
        m.Cpu[Register.R10].ShouldBe(2UL, "INVLPG drops it");
    }

    [Test]
    public void One_physical_page_called_through_two_linear_aliases_runs_with_each_alias_rip()
    {
        // RIP-relative LEA depends on the linear address the code runs at: each alias must get code decoded for it,
        // however often execution alternates between them.
        using var m = new TestMachine();
        var pt = FourLevel(m);
        pt.Map(Helper, 0x70_0000, PageTableBuilder.Present);
        pt.Map(Helper + 0x10_0000, 0x70_0000, PageTableBuilder.Present);
        m.Load(64, 0x70_0000, a =>
        {
            var here = a.CreateLabel();
            a.Label(ref here);
            a.lea(rax, __[here]);
            a.ret();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var loop = a.CreateLabel();
            a.mov(ecx, 3);
            a.xor(r8, r8);
            a.xor(r9, r9);
            a.Label(ref loop);
            a.mov(rdx, Helper);
            a.call(rdx);
            a.add(r8, rax);
            a.mov(rdx, Helper + 0x10_0000);
            a.call(rdx);
            a.add(r9, rax);
            a.dec(ecx);
            a.jnz(loop);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(3 * Helper);
        m.Cpu[Register.R9].ShouldBe(3 * (Helper + 0x10_0000));
    }
}
