using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Elf;

/// <summary>
/// Each way linux-loader v0.14's <c>Elf::load</c> reads PVH notes (src/loader/elf/mod.rs) against this loader's
/// stricter reading: both behaviours of every difference, on the peer's images and on built ones.
/// </summary>
[TestFixture]
public sealed class PvhNoteRulesTests
{
    private const uint PeerEntry = 0x1E1FE1F; // test_elfnote.bin's XEN_ELFNOTE_PHYS32_ENTRY
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(0x400_0000);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    private PvhBootCapability Pvh(byte[] image, ulong? offset, PvhNoteRules rules)
    {
        var fromSpan = ElfKernel.Load(_memory, image, offset, null, rules).Pvh;
        // The seekable stream, which reads each PT_NOTE on its own, and the forward-only stream agree.
        ElfKernel.Load(_memory, new MemoryStream(image), offset, null, rules).Pvh.ShouldBe(fromSpan);
        ElfKernel.Load(_memory, new ForwardOnlyStream(image), offset, null, rules).Pvh.ShouldBe(fromSpan);
        return fromSpan;
    }

    [Test]
    public void No_pt_note_is_ignored_by_linux_loader_and_absent_by_strict_rules()
    {
        // linux-loader: pvh_boot_cap keeps its Default, PvhEntryIgnored, when no PT_NOTE is seen.
        Pvh(PeerImages.Read("test_elf.bin"), null, PvhNoteRules.LinuxLoader).Kind.ShouldBe(PvhEntryKind.Ignored);
        Pvh(PeerImages.Read("test_elf.bin"), null, PvhNoteRules.Strict).Kind.ShouldBe(PvhEntryKind.NotPresent);
    }

    [Test]
    public void Offset_zero_is_ignored_by_linux_loader_and_kept_by_strict_rules()
    {
        // linux-loader: `if let Some(_offset) = kernel_offset` → PvhEntryIgnored, whatever the offset.
        Pvh(PeerImages.Read("test_elfnote.bin"), 0, PvhNoteRules.LinuxLoader).ShouldBe(PvhBootCapability.Ignored);
        Pvh(PeerImages.Read("test_elfnote.bin"), 0, PvhNoteRules.Strict).ShouldBe(new PvhBootCapability(PvhEntryKind.Present, PeerEntry, null));
    }

    [Test]
    public void The_last_pt_note_with_an_entry_wins_under_both_rules()
    {
        var image = NoteElf.Build([NoteElf.Entry(0x100_0100), NoteElf.Entry(0x100_0200)]);
        Pvh(image, null, PvhNoteRules.LinuxLoader).Entry.ShouldBe(0x100_0200UL);
        Pvh(image, null, PvhNoteRules.Strict).Entry.ShouldBe(0x100_0200UL);
    }

    [Test]
    public void A_last_pt_note_without_an_entry_wins_only_under_linux_loader_rules()
    {
        // linux-loader overwrites pvh_boot_cap at every PT_NOTE: a later segment without the note says NotPresent.
        var image = NoteElf.Build([NoteElf.Entry(0x100_0100), NoteElf.Other()]);
        Pvh(image, null, PvhNoteRules.LinuxLoader).Kind.ShouldBe(PvhEntryKind.NotPresent);
        Pvh(image, null, PvhNoteRules.Strict).ShouldBe(new PvhBootCapability(PvhEntryKind.Present, 0x100_0100, null));
    }

    [Test]
    public void Within_a_segment_the_first_entry_note_counts_under_both_rules()
    {
        // linux-loader parse_elf_note breaks at the first matching note.
        var image = NoteElf.Build([NoteElf.Segment(NoteElf.Other(), NoteElf.Entry(0x100_0100), NoteElf.Entry(0x100_0200))]);
        Pvh(image, null, PvhNoteRules.LinuxLoader).Entry.ShouldBe(0x100_0100UL);
        Pvh(image, null, PvhNoteRules.Strict).Entry.ShouldBe(0x100_0100UL);
    }

    [Test]
    public void An_offset_skips_note_parsing_under_linux_loader_rules_only()
    {
        // test_invalid_pvh_note.bin (descsz < 4) fails linux-loader only when it reads the note, i.e. without an offset.
        var image = PeerImages.Read("test_invalid_pvh_note.bin");
        Pvh(image, 0x20_0000, PvhNoteRules.LinuxLoader).ShouldBe(PvhBootCapability.Ignored);
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, image, null, null, PvhNoteRules.LinuxLoader)).Code.ShouldBe(LoaderError.InvalidPvhNote);
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, image, 0x20_0000, null, PvhNoteRules.Strict)).Code.ShouldBe(LoaderError.InvalidPvhNote);
    }

    [TestCase(0x40u, Description = "descsz past the segment, inside the file")]
    [TestCase(0x7FFF_FFFFu, Description = "descsz past the file")]
    public void A_xen_note_whose_descsz_runs_past_its_segment_is_read_by_linux_loader_and_rejected_by_strict_rules(uint descsz)
    {
        // test_elfnote.bin: the Xen note's n_descsz is at file offset 0xd0. linux-loader reads the 4 entry bytes
        // after the name and never checks descsz against p_filesz.
        var image = PeerImages.Read("test_elfnote.bin");
        BitConverter.GetBytes(descsz).CopyTo(image, 0xD0);
        Pvh(image, null, PvhNoteRules.LinuxLoader).ShouldBe(new PvhBootCapability(PvhEntryKind.Present, PeerEntry, null));
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, image, null, null, PvhNoteRules.Strict)).Code.ShouldBe(LoaderError.ReadNoteHeader);
    }

    [Test]
    public void An_entry_note_cut_off_by_the_end_of_the_file_is_read_note_header_under_both_rules()
    {
        // The Xen note is the last thing in a file that ends inside its descriptor.
        var note = NoteElf.Entry(0x100_0100);
        var image = NoteElf.Build([note], codeSize: 0);
        var noteStart = 64 + 2 * 56;
        var cut = image.AsSpan(0, noteStart + note.Length - 2).ToArray();
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, cut, null, null, PvhNoteRules.LinuxLoader)).Code.ShouldBe(LoaderError.ReadNoteHeader);
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, cut, null, null, PvhNoteRules.Strict)).Code.ShouldBe(LoaderError.ReadNoteHeader);
    }

    [Test]
    public void Display_text_is_linux_loaders()
    {
        // linux-loader impl Display for PvhBootCapability.
        new PvhBootCapability(PvhEntryKind.Present, 0x1000, null).ToString().ShouldBe("PVH entry point present at guest address: 0x1000");
        PvhBootCapability.NotPresent.ToString().ShouldBe("PVH entry point not present");
        PvhBootCapability.Ignored.ToString().ShouldBe("PVH entry point ignored");
    }
}
