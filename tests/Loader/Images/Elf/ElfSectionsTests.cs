using System.Buffers.Binary;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Elf;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Elf;

/// <summary>
/// The section headers name the written and executed bytes of a vmlinux (gABI Elf64_Shdr); a table that is missing or
/// does not fit gives null, and the file ranges map to where the segments placed them.
/// </summary>
[TestFixture]
public sealed class ElfSectionsTests
{
    // gABI: SHT_PROGBITS 1, SHT_NOBITS 8; SHF_WRITE 0x1, SHF_ALLOC 0x2, SHF_EXECINSTR 0x4.
    private const uint Progbits = 1, Nobits = 8;
    private const ulong Write = 0x1, Alloc = 0x2, Exec = 0x4;

    /// <summary>An ELF64 header and, at 0x5000, a section header table of <paramref name="sections"/> after the null entry.</summary>
    private static byte[] Elf(params (uint Type, ulong Flags, ulong Offset, ulong Size)[] sections)
    {
        const int table = 0x5000;
        var image = new byte[table + (sections.Length + 1) * 64];
        image[0] = 0x7F;
        "ELF"u8.CopyTo(image.AsSpan(1));
        image[4] = 2; // ELFCLASS64
        image[5] = 1; // ELFDATA2LSB
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x28), table); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3A), 64); // e_shentsize
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3C), (ushort)(sections.Length + 1)); // e_shnum
        for (var i = 0; i < sections.Length; i++)
        {
            var s = image.AsSpan(table + (i + 1) * 64);
            BinaryPrimitives.WriteUInt32LittleEndian(s[0x04..], sections[i].Type);
            BinaryPrimitives.WriteUInt64LittleEndian(s[0x08..], sections[i].Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(s[0x18..], sections[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(s[0x20..], sections[i].Size);
        }
        return image;
    }

    [Test]
    public void Code_and_data_sections_are_named_and_read_only_data_and_bss_are_not()
    {
        var image = Elf(
            (Progbits, Alloc | Exec, 0x1000, 0x2000), // .text
            (Progbits, Alloc, 0x3000, 0x1000), // .rodata
            (Progbits, Alloc | Write, 0x4000, 0x800), // .data
            (Nobits, Alloc | Write, 0x4800, 0x8000)); // .bss

        ElfSections.WrittenOrExecuted(image).ShouldBe([(0x1000UL, 0x2000UL), (0x4000UL, 0x800UL)]);
    }

    [Test]
    public void A_table_that_does_not_fit_gives_null_and_a_section_past_the_file_is_left_out()
    {
        var image = Elf((Progbits, Alloc | Exec, 0x1000, 0x2000), (Progbits, Alloc | Write, 0x4000, 0x10_0000));
        ElfSections.WrittenOrExecuted(image).ShouldBe([(0x1000UL, 0x2000UL)]);

        var truncated = image[..^1];
        ElfSections.WrittenOrExecuted(truncated).ShouldBeNull();
        var wrongEntrySize = (byte[])image.Clone();
        wrongEntrySize[0x3A] = 40;
        ElfSections.WrittenOrExecuted(wrongEntrySize).ShouldBeNull();
        var pastTheEnd = (byte[])image.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(pastTheEnd.AsSpan(0x28), ulong.MaxValue - 8);
        ElfSections.WrittenOrExecuted(pastTheEnd).ShouldBeNull();
        ElfSections.WrittenOrExecuted("not an ELF file at all, but long enough to be read as a header.."u8).ShouldBeNull();
    }

    [Test]
    public void File_ranges_map_through_the_segments_that_hold_them()
    {
        var loaded = new KernelLoadResult
        {
            Format = ImageFormat.Elf,
            KernelLoad = 0x100_0000,
            KernelEnd = 0x200_0000,
            Segments = [new SegmentPlacement(0x1000, 0x100_0000, 0x3000, 0x3000), new SegmentPlacement(0x8000, 0x180_0000, 0x1000, 0x5000)],
        };

        loaded.GuestRangesOf([(0x1800, 0x100), (0x3800, 0x5000), (0x6000, 0x100), (ulong.MaxValue - 4, 8)]).ShouldBe([
            (0x100_0800UL, 0x100_0900UL),
            (0x100_2800UL, 0x100_3000UL), // the first segment's file bytes end at 0x4000
            (0x180_0000UL, 0x180_0800UL), // and the second's start at 0x8000
        ]);
    }
}
