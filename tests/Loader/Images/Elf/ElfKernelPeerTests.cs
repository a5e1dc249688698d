using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Elf;

/// <summary>
/// rust-vmm linux-loader v0.14.0 src/loader/elf/mod.rs unit tests, reproduced on the same images with
/// the same guest memory (one region at 0; 256 MiB for the bad-alignment case, a smaller one elsewhere).
/// </summary>
[TestFixture]
public sealed class ElfKernelPeerTests
{
    private const ulong MemSize = 0x1000_0000;
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(MemSize);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    // linux-loader test_load_elf: offset 0x200000 with highmem 0 / none → kernel_load 0x200400;
    // no offset → 0x400; highmem 0xa00000 without offset → InvalidEntryAddress.
    [TestCase(0x20_0000UL, 0UL, 0x20_0400UL)]
    [TestCase(0x20_0000UL, null, 0x20_0400UL)]
    [TestCase(null, null, 0x400UL)]
    public void Test_load_elf_loads_at_entry_plus_offset(ulong? offset, ulong? highmem, ulong expectedLoad)
    {
        var result = ElfKernel.Load(_memory, PeerImages.Read("test_elf.bin"), offset, highmem);
        result.KernelLoad.ShouldBe(expectedLoad);
    }

    [Test]
    public void Test_load_elf_rejects_an_entry_below_high_memory()
    {
        // linux-loader test_load_elf: highmem_start_address 0xa00000, no offset.
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, PeerImages.Read("test_elf.bin"), null, 0xA0_0000))
            .Code.ShouldBe(LoaderError.InvalidEntryAddress);
    }

    [Test]
    public void Kernel_end_is_highest_segment_end()
    {
        // test_elf.bin: PT_LOAD p_paddr 0 memsz 0x1d and p_paddr 0x420 memsz 0xe → kernel_end 0x42e (+ offset).
        ElfKernel.Load(_memory, PeerImages.Read("test_elf.bin"), 0x20_0000).KernelEnd.ShouldBe(0x20_042EUL);
    }

    [Test]
    public void Segments_are_placed_by_physical_address()
    {
        var image = PeerImages.Read("test_elf.bin");
        ElfKernel.Load(_memory, image, 0x20_0000);
        // First PT_LOAD: p_offset 0xb0, p_paddr 0 (p_vaddr 0x400), 0x1d bytes.
        _memory.Snapshot(0x20_0000, 0x1D).ShouldBe(image.AsSpan(0xB0, 0x1D).ToArray());
        _memory.Snapshot(0x20_0420, 0xE).ShouldBe(image.AsSpan(0xD0, 0xE).ToArray());
    }

    // linux-loader test_bad_magic_number / test_bad_endian / test_bad_phoff: patched test_elf.bin.
    [Test]
    public void Test_bad_magic_number_is_invalid_elf_magic_number() => RejectsPatched(1, 0x33, LoaderError.InvalidElfMagicNumber);

    [Test]
    public void Test_bad_endian_is_big_endian_elf_on_little() => RejectsPatched(5, 2, LoaderError.BigEndianElfOnLittle);

    [Test]
    public void Test_bad_phoff_inside_the_elf_header_is_invalid_program_header_offset() =>
        // e_phoff 0x10 < sizeof(Elf64_Ehdr).
        RejectsPatched(0x20, 0x10, LoaderError.InvalidProgramHeaderOffset);

    private void RejectsPatched(int offset, byte value, LoaderError expected)
    {
        var image = PeerImages.Read("test_elf.bin");
        image[offset] = value;
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, image)).Code.ShouldBe(expected);
    }

    [Test]
    public void Test_bad_phoff_past_the_end_of_the_file_is_read_program_header()
    {
        // linux-loader test_bad_phoff sets e_phoff far past the file: the header read fails.
        var image = PeerImages.Read("test_elf.bin");
        BitConverter.GetBytes(0x4000_0000UL).CopyTo(image, 0x20);
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, image)).Code.ShouldBe(LoaderError.ReadProgramHeader);
    }

    [Test]
    public void Test_overflow_loadaddr_is_an_error_not_a_wrap()
    {
        // linux-loader test_load_elf_overflow (README: offset u64::MAX must fail with an overflow error).
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, PeerImages.Read("test_elf.bin"), ulong.MaxValue))
            .Code.ShouldBe(LoaderError.Overflow);
    }

    // linux-loader test_load_pvh: the note's entry, and Ignored when kernel_start is given.
    [TestCase(null, PvhEntryKind.Present, 0x1E1FE1FUL)]
    [TestCase(0x20_0000UL, PvhEntryKind.Ignored, 0UL)]
    public void Test_load_pvh_reports_the_note_entry_and_ignores_it_at_an_offset(ulong? offset, PvhEntryKind kind, ulong entry) =>
        ReportsPvh("test_elfnote.bin", offset, kind, entry);

    // linux-loader test_load_pvh_with_align (second half): a PT_NOTE with p_align 8 still yields the entry.
    [Test]
    public void Test_load_pvh_with_align_reads_the_8_byte_aligned_note() =>
        ReportsPvh("test_elfnote_8byte_align.bin", null, PvhEntryKind.Present, 0x1E1FE1F);

    // linux-loader test_dummy_elfnote: a note that is not Xen's → PvhEntryNotPresent.
    [Test]
    public void Test_dummy_elfnote_is_not_a_pvh_entry() =>
        ReportsPvh("test_dummy_note.bin", null, PvhEntryKind.NotPresent, 0);

    private void ReportsPvh(string file, ulong? offset, PvhEntryKind kind, ulong entry)
    {
        var pvh = ElfKernel.Load(_memory, PeerImages.Read(file), offset).Pvh;
        pvh.Kind.ShouldBe(kind);
        pvh.Entry.ShouldBe(entry);
        // The stream path reads each PT_NOTE on its own rather than everything before it; same answer.
        ElfKernel.Load(_memory, new MemoryStream(PeerImages.Read(file)), offset).Pvh.ShouldBe(pvh);
    }

    [Test]
    public void Test_bad_elfnote_is_invalid_pvh_note()
    {
        // linux-loader test_load_pvh: test_invalid_pvh_note.bin → Error::InvalidPvhNote.
        Should.Throw<LoaderException>(() => ElfKernel.Load(_memory, PeerImages.Read("test_invalid_pvh_note.bin")))
            .Code.ShouldBe(LoaderError.InvalidPvhNote);
    }

    [Test]
    public void Test_load_pvh_with_align_ignores_a_bad_p_align()
    {
        // linux-loader test_bad_align: PT_NOTE p_align 0xd must not cause an alignment error
        // (note alignment is fixed by the ELF note format); 256 MiB guest as in the reference.
        Should.NotThrow(() => ElfKernel.Load(_memory, PeerImages.Read("test_bad_align.bin")));
    }
}
