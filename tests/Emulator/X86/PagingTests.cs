using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Address translation in every paging format and page size, A/D bits, protection and TLB flushes.</summary>
[TestFixture]
public class PagingTests
{
    private const ulong Tables = 0x20_0000;
    private const ulong PfHandler = 0x18000;

    public static IEnumerable<TestCaseData> Formats()
    {
        // (format, page shift, linear, physical): large pages need aligned addresses.
        yield return new TestCaseData(PagingFormat.Bits32, 12, 0x4000_1000UL, 0x60_3000UL).SetName("32-bit paging, 4 KiB page");
        yield return new TestCaseData(PagingFormat.Bits32, 22, 0x4040_0000UL, 0x80_0000UL).SetName("32-bit paging with PSE, 4 MiB page");
        yield return new TestCaseData(PagingFormat.Pae, 12, 0x8000_5000UL, 0x61_0000UL).SetName("PAE, 4 KiB page");
        yield return new TestCaseData(PagingFormat.Pae, 21, 0xC020_0000UL, 0x60_0000UL).SetName("PAE, 2 MiB page");
        yield return new TestCaseData(PagingFormat.FourLevel, 12, 0xFFFF_8880_0000_7000UL, 0x62_0000UL).SetName("4-level, 4 KiB page");
        yield return new TestCaseData(PagingFormat.FourLevel, 21, 0xFFFF_FFFF_8060_0000UL, 0x40_0000UL).SetName("4-level, 2 MiB page");
        yield return new TestCaseData(PagingFormat.FourLevel, 30, 0x0000_0080_4000_0000UL, 0UL).SetName("4-level, 1 GiB page");
    }

    private static PageTableBuilder Setup(TestMachine m, PagingFormat format)
    {
        var pt = new PageTableBuilder(m.Memory, format, Tables);
        pt.IdentityMap(0, 0x2_0000);
        pt.IdentityMap(TestMachine.StackTop - 0x4000, TestMachine.StackTop);
        if (format == PagingFormat.FourLevel)
        {
            m.EnterLong64(TestMachine.CodeBase);
            m.Cpu.Cr3 = pt.Root;
        }
        else
        {
            m.EnterProtected32(TestMachine.CodeBase);
            m.Cpu.Cr4 = format == PagingFormat.Pae ? ControlBits.Cr4Pae : ControlBits.Cr4Pse;
            m.Cpu.Cr3 = pt.Root;
            m.Cpu.Cr0 |= ControlBits.Cr0Pg;
        }
        return pt;
    }

    [TestCaseSource(nameof(Formats))]
    public void Write_and_read_through_a_mapping_set_accessed_and_dirty(PagingFormat format, int shift, ulong linear, ulong physical)
    {
        using var m = new TestMachine();
        var pt = Setup(m, format);
        var offset = 0x123UL;
        var leaf = pt.Map(linear, physical, PageTableBuilder.Present | PageTableBuilder.Writable, shift);
        var bits = format == PagingFormat.FourLevel ? 64 : 32;
        m.Load(bits, TestMachine.CodeBase, a =>
        {
            if (bits == 64)
            {
                a.mov(rbx, unchecked((long)(linear + offset)));
                a.mov(__dword_ptr[rbx], 0x0BAD_CAFE);
                a.mov(eax, __dword_ptr[rbx]);
            }
            else
            {
                a.mov(ebx, (uint)(linear + offset));
                a.mov(__dword_ptr[ebx], 0x0BAD_CAFE);
                a.mov(eax, __dword_ptr[ebx]);
            }
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.EAX].ShouldBe(0x0BAD_CAFEUL);
        m.Memory.ReadU32(physical + offset).ShouldBe(0x0BAD_CAFEu);
        // SDM Vol. 3A §4.8: the processor sets A in every entry used and D in the leaf on a write.
        (pt.Read(leaf) & (PageTableBuilder.Accessed | PageTableBuilder.Dirty)).ShouldBe(PageTableBuilder.Accessed | PageTableBuilder.Dirty);
    }

    private static void LongModeWithPfHandler(TestMachine m, out PageTableBuilder pt)
    {
        pt = Setup(m, PagingFormat.FourLevel);
        m.SetGate64(14, PfHandler);
        // Handler: error code → RAX, CR2 → RBX, faulting RIP → RCX.
        m.Load(64, PfHandler, a =>
        {
            a.pop(rax);
            a.mov(rbx, cr2);
            a.mov(rcx, __qword_ptr[rsp]);
            a.hlt();
        });
    }

    public static IEnumerable<TestCaseData> Faults()
    {
        // SDM Vol. 3A §4.7 error code: P=1 protection, W/R=2 write, U/S=4 user, RSVD=8, I/D=16 fetch.
        yield return new TestCaseData(0UL, false, false, 0x0UL).SetName("read of a not-present page: error 0");
        yield return new TestCaseData(0UL, true, false, 0x2UL).SetName("write to a not-present page: error W");
        yield return new TestCaseData(PageTableBuilder.Present, true, false, 0x3UL).SetName("write to a read-only page with CR0.WP: error P|W");
        yield return new TestCaseData(PageTableBuilder.Present | PageTableBuilder.Writable | PageTableBuilder.NoExecute, false, true, 0x11UL).SetName("fetch from an NX page: error P|I");
    }

    [TestCaseSource(nameof(Faults))]
    public void Page_faults_report_cr2_and_the_error_code(ulong flags, bool write, bool fetch, ulong error)
    {
        using var m = new TestMachine();
        LongModeWithPfHandler(m, out var pt);
        const ulong target = 0x5555_0000;
        if (flags != 0)
            pt.Map(target, 0x70_0000, flags);
        else
            pt.Map(target + 0x1000, 0x70_1000, PageTableBuilder.Present); // build the path, leave the target entry empty
        ulong faultingRip = 0;
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, (long)target);
            var at = a.CreateLabel();
            a.Label(ref at);
            if (fetch)
                a.call(rdx);
            else if (write)
                a.mov(__byte_ptr[rdx], 1);
            else
                a.mov(al, __byte_ptr[rdx]);
            a.hlt();
        });
        faultingRip = fetch ? target : TestMachine.CodeBase + 10;
        if (fetch)
            m.Memory.WriteU8(0x70_0000, 0xC3);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.RAX].ShouldBe(error);
        m.Cpu[Register.RBX].ShouldBe(target);
        m.Cpu.Cr2.ShouldBe(target);
        m.Cpu[Register.RCX].ShouldBe(faultingRip);
    }

    [Test]
    public void Supervisor_write_to_read_only_page_succeeds_without_cr0_wp()
    {
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        pt.Map(0x5555_0000, 0x70_0000, PageTableBuilder.Present);
        m.Cpu.Cr0 &= ~ControlBits.Cr0Wp;
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, 0x5555_0000);
            a.mov(__byte_ptr[rdx], 0x5A);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Memory.ReadU8(0x70_0000).ShouldBe((byte)0x5A);
    }

    [Test]
    public void Nx_bit_without_efer_nxe_is_a_reserved_bit_fault()
    {
        using var m = new TestMachine();
        LongModeWithPfHandler(m, out var pt);
        pt.Map(0x5555_0000, 0x70_0000, PageTableBuilder.Present | PageTableBuilder.NoExecute);
        m.Cpu.Efer &= ~ControlBits.EferNxe;
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, 0x5555_0000);
            a.mov(al, __byte_ptr[rdx]);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.RAX].ShouldBe(0x9UL, "P|RSVD (SDM Vol. 3A §4.7)");
    }

    [Test]
    public void Invlpg_and_cr3_reload_make_a_changed_mapping_visible()
    {
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        const ulong linear = 0x5555_0000;
        var leaf = pt.Map(linear, 0x70_0000, PageTableBuilder.Present | PageTableBuilder.Writable);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        m.Memory.WriteU64(0x70_0000, 1);
        m.Memory.WriteU64(0x71_0000, 2);
        m.Memory.WriteU64(0x72_0000, 3);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, unchecked((long)linear));
            a.mov(rsi, (long)leaf);
            a.mov(r8, __qword_ptr[rdx]);
            a.mov(__qword_ptr[rsi], 0x71_0003);
            a.invlpg(__byte_ptr[rdx]);
            a.mov(r9, __qword_ptr[rdx]);
            a.mov(__qword_ptr[rsi], 0x72_0003);
            a.mov(rax, cr3);
            a.mov(cr3, rax);
            a.mov(r10, __qword_ptr[rdx]);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(2UL);
        m.Cpu[Register.R10].ShouldBe(3UL);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_cr3_write_keeps_a_global_pages_entry_only_with_cr4_pge(bool pge)
    {
        // SDM Vol. 3A §4.10.4.1: MOV to CR3 invalidates every TLB entry except those for global pages (G, bit 8 of the
        // entry that maps the page, honoured with CR4.PGE set, §4.10.2.4); INVLPG drops a global page's entry too.
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        if (pge)
            m.Cpu.Cr4 |= ControlBits.Cr4Pge;
        const ulong global = 0x5555_1000, local = 0x5555_3000, g = 0x100;
        var globalLeaf = pt.Map(global, 0x70_0000, PageTableBuilder.Present | PageTableBuilder.Writable | g);
        var localLeaf = pt.Map(local, 0x74_0000, PageTableBuilder.Present | PageTableBuilder.Writable);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        m.Memory.WriteU64(0x70_0000, 1);
        m.Memory.WriteU64(0x71_0000, 2);
        m.Memory.WriteU64(0x74_0000, 11);
        m.Memory.WriteU64(0x75_0000, 12);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, global);
            a.mov(rcx, local);
            a.mov(r8, __qword_ptr[rdx]);
            a.mov(r9, __qword_ptr[rcx]);
            a.mov(rsi, (long)globalLeaf);
            a.mov(__qword_ptr[rsi], (int)(0x71_0000 | PageTableBuilder.Present | PageTableBuilder.Writable | g));
            a.mov(rsi, (long)localLeaf);
            a.mov(__qword_ptr[rsi], (int)(0x75_0000 | PageTableBuilder.Present | PageTableBuilder.Writable));
            a.mov(rax, cr3);
            a.mov(cr3, rax);
            a.mov(r10, __qword_ptr[rdx]);
            a.mov(r11, __qword_ptr[rcx]);
            a.invlpg(__byte_ptr[rdx]);
            a.mov(r12, __qword_ptr[rdx]);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        (m.Cpu[Register.R8], m.Cpu[Register.R9]).ShouldBe((1UL, 11UL));
        m.Cpu[Register.R10].ShouldBe(pge ? 1UL : 2UL, "the global page's stale entry outlives the CR3 write only with PGE");
        m.Cpu[Register.R11].ShouldBe(12UL, "a page without G is walked afresh");
        m.Cpu[Register.R12].ShouldBe(2UL, "INVLPG drops a global entry");
    }

    [Test]
    public void Invlpg_of_one_address_of_a_large_page_drops_the_entries_of_its_other_pages()
    {
        // SDM Vol. 3A §4.10.4.1: INVLPG invalidates every TLB entry for the page holding the address, whatever its size;
        // the soft TLB holds a 2 MiB page as the 4 KiB entries it filled one by one, so all of them must go.
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        const ulong large = 0x4000_0000, first = 0x40_0000, second = 0x60_0000, other = 0x80_0000;
        var pde = pt.Map(large, first, PageTableBuilder.Present | PageTableBuilder.Writable, leafShift: 21);
        pt.Map(other, other, PageTableBuilder.Present | PageTableBuilder.Writable);
        m.Memory.WriteU64(first + 0x1000, 1);
        m.Memory.WriteU64(first + 0x5000, 2);
        m.Memory.WriteU64(second + 0x1000, 11);
        m.Memory.WriteU64(second + 0x5000, 12);
        m.Memory.WriteU64(other, 21);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, large + 0x1000);
            a.mov(rcx, large + 0x5000);
            a.mov(rbx, other);
            a.mov(r8, __qword_ptr[rdx]);
            a.mov(r9, __qword_ptr[rcx]);
            a.mov(r13, __qword_ptr[rbx]);
            a.mov(rsi, (long)pde);
            a.mov(__qword_ptr[rsi], (int)(second | PageTableBuilder.Present | PageTableBuilder.Writable | PageTableBuilder.Large));
            a.mov(__qword_ptr[rbx], 22);
            a.invlpg(__byte_ptr[rdx]);
            a.mov(r10, __qword_ptr[rcx]);
            a.mov(r11, __qword_ptr[rdx]);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        (m.Cpu[Register.R8], m.Cpu[Register.R9], m.Cpu[Register.R13]).ShouldBe((1UL, 2UL, 21UL));
        m.Cpu[Register.R10].ShouldBe(12UL, "the other 4 KiB entry of the large page went with the INVLPG");
        m.Cpu[Register.R11].ShouldBe(11UL);
        m.Memory.ReadU64(other).ShouldBe(22UL, "a page of another mapping kept its entry and took the store");
    }

    [Test]
    public void Invlpg_drops_the_cached_page_directory_of_a_changed_pdpte()
    {
        // SDM Vol. 3A §4.10.4.1: INVLPG invalidates all paging-structure-cache entries, so a PDPTE rewritten
        // to point at another page directory takes effect for the address flushed.
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        const ulong gib1 = 0x4000_0000, gib2 = 0x8000_0000;
        pt.Map(gib1, 0x70_0000, PageTableBuilder.Present | PageTableBuilder.Writable);
        pt.Map(gib2, 0x71_0000, PageTableBuilder.Present | PageTableBuilder.Writable);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        var pdpt = pt.Read(pt.Root) & 0x000F_FFFF_FFFF_F000;
        m.Memory.WriteU64(0x70_0000, 1);
        m.Memory.WriteU64(0x71_0000, 2);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, gib1);
            a.mov(rsi, (long)pdpt);
            a.mov(r8, __qword_ptr[rdx]);
            a.mov(rax, __qword_ptr[rsi + 16]);
            a.mov(__qword_ptr[rsi + 8], rax);
            a.invlpg(__byte_ptr[rdx]);
            a.mov(r9, __qword_ptr[rdx]);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(2UL);
    }

    [Test]
    public void A_new_pte_next_to_a_used_one_is_seen_without_a_flush()
    {
        // Not-present entries are never cached (SDM Vol. 3A §4.10.2.3), so mapping a page where there was
        // none needs no INVLPG, even when its page directory was just used.
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        const ulong linear = 0x4000_0000;
        var leaf = pt.Map(linear, 0x70_0000, PageTableBuilder.Present | PageTableBuilder.Writable);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        m.Memory.WriteU64(0x70_0000, 1);
        m.Memory.WriteU64(0x75_0000, 5);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, linear);
            a.mov(r8, __qword_ptr[rdx]);
            a.mov(rsi, (long)leaf);
            a.mov(__qword_ptr[rsi + 8], 0x75_0003);
            a.mov(r9, __qword_ptr[rdx + 0x1000]);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(5UL);
    }

    [Test]
    public void Handler_that_maps_the_page_and_irets_restarts_the_access()
    {
        // The shape of Linux's early_make_pgtable: #PF on a direct-map address, the handler installs the
        // mapping, IRETQ re-executes the access (arch/x86/kernel/head64.c early_make_pgtable).
        using var m = new TestMachine();
        var pt = Setup(m, PagingFormat.FourLevel);
        const ulong linear = 0xFFFF_8880_0010_0000;
        pt.Map(linear + 0x20_0000, 0x40_0000, PageTableBuilder.Present, 21); // creates the PD
        var pde = pt.Map(linear, 0, PageTableBuilder.Present | PageTableBuilder.Writable, 21);
        pt.Write(pde, 0);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        m.Memory.WriteU64(0x10_0000 + 0x40, 0xFEED);
        m.SetGate64(14, PfHandler);
        m.Load(64, PfHandler, a =>
        {
            a.mov(rax, (long)pde);
            a.mov(__qword_ptr[rax], 0x83);
            a.inc(r15);
            a.add(rsp, 8);
            a.iretq();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdx, unchecked((long)linear));
            a.mov(rbx, __qword_ptr[rdx + 0x40]);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R15].ShouldBe(1UL);
        m.Cpu[Register.RBX].ShouldBe(0xFEEDUL);
    }
}
