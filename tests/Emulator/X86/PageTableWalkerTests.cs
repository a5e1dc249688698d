using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>The outside-the-CPU 4-level walk that turns kernel virtual addresses into guest-physical ones.</summary>
[TestFixture]
public sealed class PageTableWalkerTests
{
    private const ulong Pml4 = 0x1000, Pdpt = 0x2000, KernelPdpt = 0x3000, Pd = 0x4000, Pt = 0x5000;
    private const ulong Present = 1, Large = 0x80;

    /// <summary>
    /// VA 0 → a 1 GiB page at 0 (PDPT[0] with PS); the kernel high map (PML4[511], PDPT[510]) with a 2 MiB page
    /// 0xFFFFFFFF81000000 → 0x1000000 and a 4 KiB page 0xFFFFFFFF81203000 → 0x700000 (SDM Vol. 3A §4.5, Figure 4-8..4-10).
    /// </summary>
    private static GuestMemory Tables()
    {
        var memory = GuestMemory.Flat(16 << 20);
        memory.WriteU64(Pml4, Pdpt | Present);
        memory.WriteU64(Pml4 + 511 * 8, KernelPdpt | Present);
        memory.WriteU64(Pdpt, 0 | Present | Large);
        memory.WriteU64(KernelPdpt + 510 * 8, Pd | Present);
        memory.WriteU64(Pd + 8 * 8, 0x100_0000 | Present | Large);
        memory.WriteU64(Pd + 9 * 8, Pt | Present);
        memory.WriteU64(Pt + 3 * 8, 0x70_0000 | Present);
        return memory;
    }

    [TestCase(0x1234UL, 0x1234UL)]
    [TestCase(0x3FFF_FFFFUL, 0x3FFF_FFFFUL)]
    [TestCase(0xFFFF_FFFF_8100_0010UL, 0x100_0010UL)]
    [TestCase(0xFFFF_FFFF_811F_FFFFUL, 0x11F_FFFFUL)]
    [TestCase(0xFFFF_FFFF_8120_3ABCUL, 0x70_0ABCUL)]
    public void Mapped_addresses_translate(ulong linear, ulong physical)
    {
        using var memory = Tables();
        PageTableWalker.Translate(memory, Pml4, linear).ShouldBe(physical);
    }

    [TestCase(0x4000_0000UL)] // PDPT[1] empty
    [TestCase(0xFFFF_FFFF_8120_4000UL)] // PT[4] empty
    [TestCase(0xFFFF_8880_0000_0000UL)] // direct map not built
    public void Unmapped_addresses_are_null(ulong linear)
    {
        using var memory = Tables();
        PageTableWalker.Translate(memory, Pml4, linear).ShouldBeNull();
    }

    [Test]
    public void A_write_check_needs_rw_at_every_level()
    {
        // SDM Vol. 3A §4.6: a write needs R/W (bit 1) in every paging-structure entry on the way.
        using var memory = Tables();
        PageTableWalker.Translate(memory, Pml4, 0x1234, writable: true).ShouldBeNull();
        memory.WriteU64(Pml4, Pdpt | Present | 2);
        memory.WriteU64(Pdpt, 0 | Present | 2 | Large);
        PageTableWalker.Translate(memory, Pml4, 0x1234, writable: true).ShouldBe(0x1234UL);
    }
}
