using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Elf;

/// <summary>
/// XEN_ELFNOTE_PHYS32_RELOC (note 19) as Xen public/elfnote.h defines it: up to three 32-bit values read in the
/// order align, min, max; defaults for the missing ones (align: the largest PT_LOAD p_align if ≥ 4 KiB, else
/// 0x200000; min 0; max 0xffffffff); max bounds the image's last byte.
/// </summary>
[TestFixture]
public sealed class PvhRelocationNoteTests
{
    private static PvhRelocation? NoteOf(byte[] image) => ElfKernel.Parse(image).PvhRelocation;

    [Test]
    public void Three_values_are_align_min_and_max()
    {
        NoteOf(NoteElf.Build([NoteElf.Segment(NoteElf.Reloc(0x20_0000, 0x100_0000, 0x3FFF_FFFF), NoteElf.Entry(0x100_0000))]))
            .ShouldBe(new PvhRelocation(0x20_0000, 0x100_0000, 0x3FFF_FFFF, 3));
    }

    [Test]
    public void Missing_values_take_the_defaults()
    {
        NoteOf(NoteElf.Build([NoteElf.Reloc(0x40_0000, 0x200_0000)])).ShouldBe(new PvhRelocation(0x40_0000, 0x200_0000, 0xFFFF_FFFF, 2));
        NoteOf(NoteElf.Build([NoteElf.Reloc(0x40_0000)])).ShouldBe(new PvhRelocation(0x40_0000, 0, 0xFFFF_FFFF, 1));
    }

    [TestCase(0x40_0000UL, 0x40_0000u, Description = "p_align ≥ 4 KiB is the default alignment")]
    [TestCase(0x1000UL, 0x1000u, Description = "exactly 4 KiB still counts")]
    [TestCase(0x800UL, 0x20_0000u, Description = "below 4 KiB: 2 MiB")]
    public void An_empty_note_aligns_by_the_largest_pt_load_p_align(ulong loadAlign, uint expected)
    {
        var note = NoteOf(NoteElf.Build([NoteElf.Reloc()], loadAlign: loadAlign));
        note.ShouldBe(new PvhRelocation(expected, 0, 0xFFFF_FFFF, 0));
    }

    [Test]
    public void The_maximum_bounds_the_last_byte_of_the_image()
    {
        var note = new PvhRelocation(0x1000, 0x10_0000, 0x20_0FFF);
        note.Allows(0x20_0000, 0x1000).ShouldBeTrue();    // last byte 0x200fff = max
        note.Allows(0x20_1000, 0x1000).ShouldBeFalse();   // start ≤ max but last byte past it
        note.Allows(0x10_0000, 0x1000).ShouldBeTrue();    // first byte = min
        note.Allows(0xF_F000, 0x1000).ShouldBeFalse();    // below min
        note.Allows(0x10_0800, 0x1000).ShouldBeFalse();   // not aligned
        new PvhRelocation(0, 0, 0xFFFF_FFFF).Allows(0x10_0000, 0x1000).ShouldBeFalse();
    }

    [Test]
    public void Strict_rules_keep_the_entry_only_for_a_move_the_note_allows()
    {
        // 0x100-byte image at 0x1000000, entry 0x1000010; note: 2 MiB alignment, last byte ≤ 0x2ffffff.
        var image = NoteElf.Build([NoteElf.Segment(NoteElf.Reloc(0x20_0000, 0x100_0000, 0x2FF_FFFF), NoteElf.Entry(0x100_0010))]);
        using var memory = GuestMemory.Flat(0x400_0000);
        var moved = ElfKernel.Load(memory, image, 0x1E0_0000, null, PvhNoteRules.Strict).Pvh;
        moved.Kind.ShouldBe(PvhEntryKind.Present);
        moved.Entry.ShouldBe(0x2E0_0010UL);
        // One alignment step further puts the last byte past max; an unaligned move is refused too.
        ElfKernel.Load(memory, image, 0x200_0000, null, PvhNoteRules.Strict).Pvh.Kind.ShouldBe(PvhEntryKind.Ignored);
        ElfKernel.Load(memory, image, 0x1000, null, PvhNoteRules.Strict).Pvh.Kind.ShouldBe(PvhEntryKind.Ignored);
        // linux-loader knows nothing of note 19: any offset is Ignored.
        ElfKernel.Load(memory, image, 0x1E0_0000).Pvh.Kind.ShouldBe(PvhEntryKind.Ignored);
    }

    [Test]
    [Category("RealKernel")]
    public void Debian_6_12_carries_note_19_with_all_three_values()
    {
        // arch/x86/platform/pvh/head.S (6.12): ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_RELOC, .long CONFIG_PHYSICAL_ALIGN;
        // .long LOAD_PHYSICAL_ADDR; .long KERNEL_IMAGE_SIZE - 1); Debian: 2 MiB, 16 MiB, 1 GiB - 1.
        var elf = ElfKernel.Parse(DebianKernelSet.Amd64Cloud612.Vmlinux());
        elf.PvhRelocation.ShouldBe(new PvhRelocation(0x20_0000, 0x100_0000, 0x3FFF_FFFF, 3));
        elf.ImageStart.ShouldBe(0x100_0000UL);
    }
}
