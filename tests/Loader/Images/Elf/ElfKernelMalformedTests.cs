using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Elf;

/// <summary>
/// Malformed vmlinux files, made by patching linux-loader's test_elf.bin / test_elfnote.bin: each gives a
/// typed error, and guest memory is exactly as it was before the load.
/// </summary>
[TestFixture]
public sealed class ElfKernelMalformedTests
{
    private const ulong MemSize = 0x100_0000;
    // Elf64_Phdr field offsets (ELF gABI): program header i is at e_phoff (64) + 56 * i.
    private const int Phdr0 = 64, Phdr1 = 64 + 56;
    private const int POffset = 8, PPaddr = 24, PFilesz = 32, PMemsz = 40;

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("truncated ELF header", i => i.AsSpan(0, 40).ToArray(), LoaderError.TruncatedImage);
        yield return Case("program headers cut off", i => i.AsSpan(0, 100).ToArray(), LoaderError.ReadProgramHeader);
        yield return Case("e_phentsize not 56", i => Patch16(i, 0x36, 48), LoaderError.InvalidProgramHeaderSize);
        yield return Case("ELFCLASS32", i => Patch8(i, 4, 1), LoaderError.UnsupportedElfClass);
        yield return Case("p_offset + p_filesz overflows", i => Patch64(Patch64(i, Phdr0 + POffset, ulong.MaxValue - 4), Phdr0 + PFilesz, 0x10), LoaderError.SegmentOutsideFile);
        yield return Case("p_filesz past end of file", i => Patch64(i, Phdr1 + PFilesz, 0x10_0000), LoaderError.SegmentOutsideFile);
        yield return Case("p_filesz > p_memsz", i => Patch64(i, Phdr1 + PMemsz, 1), LoaderError.InvalidProgramHeaderSize);
        yield return Case("load offset + p_paddr overflows", i => Patch64(i, Phdr1 + PPaddr, ulong.MaxValue - 2), LoaderError.InvalidProgramHeaderAddress);
        yield return Case("p_paddr + p_memsz overflows", i => Patch64(i, Phdr1 + PMemsz, ulong.MaxValue - 0x100), LoaderError.MemoryOverflow);
        yield return Case("second segment past end of RAM", i => Patch64(i, Phdr1 + PPaddr, MemSize - 4), LoaderError.GuestAddressOutOfRange);
        yield return Case("segment in no RAM at all", i => Patch64(i, Phdr1 + PPaddr, 0x1_0000_0000), LoaderError.GuestAddressOutOfRange);
    }

    private static IEnumerable<TestCaseData> NoteCases()
    {
        // test_elfnote.bin: PT_NOTE is program header 1; the Xen PVH note's header is at 0xcc (descsz at 0xd0).
        yield return Case("huge PVH note descsz", i => Patch32(i, 0xD0, 0x7FFF_FFFF), LoaderError.ReadNoteHeader);
        yield return Case("PVH note descsz past segment", i => Patch32(i, 0xD0, 0x40), LoaderError.ReadNoteHeader);
        yield return Case("PT_NOTE past end of file", i => Patch64(i, Phdr1 + PFilesz, 0x1_0000), LoaderError.ReadNoteHeader);
    }

    private static TestCaseData Case(string name, Func<byte[], byte[]> mutate, LoaderError code) =>
        new TestCaseData(mutate, code).SetName(name);

    [TestCaseSource(nameof(Cases))]
    public void Malformed_elf_is_rejected_and_memory_untouched(Func<byte[], byte[]> mutate, LoaderError expected) =>
        AssertRejected(mutate(PeerImages.Read("test_elf.bin")), expected, 0x20_0000);

    // Strict rules: linux-loader reads the entry of such notes anyway (PvhNoteRulesTests has both behaviours).
    [TestCaseSource(nameof(NoteCases))]
    public void Malformed_notes_are_rejected(Func<byte[], byte[]> mutate, LoaderError expected)
    {
        AssertRejected(mutate(PeerImages.Read("test_elfnote.bin")), expected, null, PvhNoteRules.Strict);
        using var memory = GuestMemory.Flat(MemSize);
        Should.Throw<LoaderException>(() => ElfKernel.Load(memory, new MemoryStream(mutate(PeerImages.Read("test_elfnote.bin"))), null, null, PvhNoteRules.Strict))
            .Code.ShouldBe(expected);
        Should.Throw<LoaderException>(() => ElfKernel.Parse(mutate(PeerImages.Read("test_elfnote.bin")))).Code.ShouldBe(expected);
    }

    [Test]
    public void Huge_size_in_an_unrelated_note_ends_the_walk()
    {
        // linux-loader parse_elf_note: a note whose sizes run past p_filesz ends the scan → PvhEntryNotPresent.
        // The "dummy" note before the Xen note has its n_namesz at 0xb0.
        using var memory = GuestMemory.Flat(MemSize);
        var image = Patch32(PeerImages.Read("test_elfnote.bin"), 0xB0, 0xFFFF_FFF0);
        ElfKernel.Load(memory, image).Pvh.Kind.ShouldBe(PvhEntryKind.NotPresent);
        ElfKernel.Load(memory, image, null, null, PvhNoteRules.Strict).Pvh.Kind.ShouldBe(PvhEntryKind.NotPresent);
    }

    [TestCase(0, LoaderError.SeekElfStart)]
    [TestCase(1, LoaderError.SeekNoteHeader)]
    [TestCase(2, LoaderError.SeekKernelStart)]
    [TestCase(3, LoaderError.SeekProgramHeader)]
    public void A_failed_seek_names_what_was_sought_and_leaves_memory_untouched(int which, LoaderError expected)
    {
        // linux-loader elf::Error::SeekElfStart / SeekNoteHeader / SeekKernelStart / SeekProgramHeader (the seek to e_phoff).
        // test_elfnote.bin has the PT_NOTE; test_elf.bin the PT_LOADs with bytes.
        var image = PeerImages.Read(which == 2 ? "test_elf.bin" : "test_elfnote.bin");
        var elf = ElfKernel.Parse(image);
        var target = which switch
        {
            0 => 0L,
            1 => (long)elf.ProgramHeaders.First(p => p.Type == ElfProgramHeader.TypeNote).Offset,
            3 => (long)elf.Header.ProgramHeaderOffset,
            _ => (long)elf.ProgramHeaders.First(p => p.Type == ElfProgramHeader.TypeLoad && p.FileSize != 0).Offset,
        };
        using var memory = GuestMemory.Flat(MemSize);
        memory.Scribble(0, 0x1000);
        var before = memory.Snapshot(0, 0x1000);
        using var stream = new SeekFailingStream(image, target);
        Should.Throw<LoaderException>(() => ElfKernel.Load(memory, stream)).Code.ShouldBe(expected);
        memory.Snapshot(0, 0x1000).ShouldBe(before);
    }

    [Test]
    public void Stream_load_rejects_the_same_way()
    {
        var image = Patch64(PeerImages.Read("test_elf.bin"), Phdr1 + PPaddr, MemSize - 4);
        using var memory = GuestMemory.Flat(MemSize);
        Should.Throw<LoaderException>(() => ElfKernel.Load(memory, new MemoryStream(image)))
            .Code.ShouldBe(LoaderError.GuestAddressOutOfRange);
        memory.Snapshot(0, 0x1000).ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Stream_failing_mid_load_restores_every_segment()
    {
        var image = PeerImages.Read("test_elf.bin");
        using var memory = GuestMemory.Flat(MemSize);
        memory.Scribble(0x20_0000, 0x1000);
        var before = memory.Snapshot(0x20_0000, 0x1000);
        // The stream dies when the second segment (file offset 0xd0) is read.
        using var stream = new FailingStream(image, failAt: 0xD0);
        Should.Throw<LoaderException>(() => ElfKernel.Load(memory, stream, 0x20_0000)).Code.ShouldBe(LoaderError.ReadKernelImage);
        memory.Snapshot(0x20_0000, 0x1000).ShouldBe(before);
    }

    private static void AssertRejected(byte[] image, LoaderError expected, ulong? offset, PvhNoteRules rules = PvhNoteRules.LinuxLoader)
    {
        using var memory = GuestMemory.Flat(MemSize);
        memory.Scribble(0, 0x1000);
        memory.Scribble(0x20_0000, 0x1000);
        var low = memory.Snapshot(0, 0x1000);
        var high = memory.Snapshot(0x20_0000, 0x1000);
        Should.Throw<LoaderException>(() => ElfKernel.Load(memory, image, offset, null, rules)).Code.ShouldBe(expected);
        memory.Snapshot(0, 0x1000).ShouldBe(low);
        memory.Snapshot(0x20_0000, 0x1000).ShouldBe(high);
    }

    private static byte[] Patch8(byte[] i, int o, byte v) { i[o] = v; return i; }
    private static byte[] Patch16(byte[] i, int o, ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(i.AsSpan(o), v); return i; }
    private static byte[] Patch32(byte[] i, int o, uint v) { BinaryPrimitives.WriteUInt32LittleEndian(i.AsSpan(o), v); return i; }
    private static byte[] Patch64(byte[] i, int o, ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(i.AsSpan(o), v); return i; }
}
