using System.Buffers.Binary;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>
/// Every kallsyms layout branch of <see cref="KallsymsReader"/>, on synthetic tables for the layouts no fetched
/// Debian kernel has: absolute addresses, pre-6.1 one-byte lengths, both kallsyms_seqs_of_names widths, both
/// orders, offsets without a stored base, and raw arm64 Images (in place, relocatable with and without the
/// relocation that names the link address).
/// </summary>
[TestFixture]
public sealed class KallsymsLayoutTests
{
    private const ulong Text = 0xFFFF_FFFF_8100_0000;
    /// <summary>KIMAGE_VADDR with 4 KiB pages and 48-bit VA (arch/arm64/include/asm/memory.h).</summary>
    private const ulong Arm64Link = 0xFFFF_8000_0800_0000;
    private const int Arm64Entry = 0x2_0000;

    /// <summary>More than 256 symbols (two markers); one name of 140 characters (a length of 0x80 or more).</summary>
    private static KernelSymbol[] Symbols(ulong text, bool percpu = false)
    {
        var list = new List<KernelSymbol>();
        if (percpu)
            list.AddRange([new(0, 'A', "fixed_percpu_data"), new(0x1000, 'A', "cpu_debug_store")]);
        list.Add(new(text + 0x1_0000, 'T', "_stext"));
        list.Add(new(text + Arm64Entry, 'T', "primary_entry"));
        list.Add(new(text + Arm64Entry + 0x40, 't', "long_" + new string('x', 135)));
        for (var i = 0; i < 300; i++)
            list.Add(new(text + Arm64Entry + 0x1000 + (ulong)i * 0x10, i % 2 == 0 ? 'T' : 't', $"sym_{i:D3}"));
        return [.. list];
    }

    private static IEnumerable<TestCaseData> ElfLayouts()
    {
        var relative = new KallsymsLayout(KallsymsOrder.AddressesFirst, KallsymsAddressing.Relative, 0, true, false);
        yield return Case("5.x: offsets first, one-byte lengths", new KallsymsBlob { Symbols = Symbols(Text), AbsolutePercpu = false, SeqsOfNames = false, OneByteLengths = true },
            relative with { TwoByteLengths = false, OneByteLengths = true });
        yield return Case("6.1: ULEB128 lengths", new KallsymsBlob { Symbols = Symbols(Text), AbsolutePercpu = false, SeqsOfNames = false }, relative);
        yield return Case("6.2-6.3: 3-byte seqs_of_names", new KallsymsBlob { Symbols = Symbols(Text), AbsolutePercpu = false }, relative with { SeqsOfNamesWidth = 3 });
        yield return Case("4-byte seqs_of_names", new KallsymsBlob { Symbols = Symbols(Text), AbsolutePercpu = false, SeqsWidth = 4 }, relative with { SeqsOfNamesWidth = 4 });
        yield return Case("x86-64 absolute per-CPU, offsets first", new KallsymsBlob { Symbols = Symbols(Text, percpu: true) },
            relative with { Addressing = KallsymsAddressing.RelativeAbsolutePercpu, SeqsOfNamesWidth = 3 });
        yield return Case("6.4+: offsets last", new KallsymsBlob { Symbols = Symbols(Text), AbsolutePercpu = false, Order64 = true },
            relative with { Order = KallsymsOrder.AddressesLast });
        yield return Case("6.4+: absolute per-CPU, offsets last", new KallsymsBlob { Symbols = Symbols(Text, percpu: true), Order64 = true },
            relative with { Order = KallsymsOrder.AddressesLast, Addressing = KallsymsAddressing.RelativeAbsolutePercpu });
        yield return Case("kallsyms_addresses first", new KallsymsBlob { Symbols = Symbols(Text), AbsoluteAddresses = true, SeqsOfNames = false, OneByteLengths = true },
            relative with { Addressing = KallsymsAddressing.Absolute, TwoByteLengths = false, OneByteLengths = true });
        yield return Case("kallsyms_addresses last", new KallsymsBlob { Symbols = Symbols(Text), AbsoluteAddresses = true, Order64 = true },
            relative with { Order = KallsymsOrder.AddressesLast, Addressing = KallsymsAddressing.Absolute });
        yield return Case("7.0+: place-relative offsets, no relative_base", new KallsymsBlob { Symbols = Symbols(Text), Order64 = true, PlaceRelative = true, BlobAddress = Text },
            relative with { Order = KallsymsOrder.AddressesLast, Addressing = KallsymsAddressing.PlaceRelative, SeqsOfNamesWidth = 0 });

        static TestCaseData Case(string name, KallsymsBlob blob, KallsymsLayout layout) => new TestCaseData(blob, layout).SetName(name);
    }

    [TestCaseSource(nameof(ElfLayouts))]
    public void A_vmlinux_in_every_layout_gives_every_symbol(KallsymsBlob blob, KallsymsLayout layout)
    {
        // The BSS covers the symbols' addresses, as a real vmlinux's PT_LOADs cover its own.
        var elf = ElfWriter.Write(new ElfSpec { Code = blob.Build(), VirtualAddress = Text, BssSize = 0x4_0000 });

        var table = KallsymsReader.Read(elf);

        table.Layout.ShouldBe(layout);
        table.Symbols.Symbols.ShouldBe(blob.Symbols.OrderBy(s => s.Address).ToArray());
        table.ImageBase.ShouldBeNull();
    }

    [Test]
    public void A_relocatable_arm64_Image_is_placed_by_its_entry_branch_and_relocation()
    {
        // --no-apply-dynamic-relocs leaves kallsyms_relative_base 0 in the file; an R_AARCH64_RELATIVE fills it.
        var blob = new KallsymsBlob { Symbols = Symbols(Arm64Link), AbsolutePercpu = false, Order64 = true, RelativeBase = Arm64Link + 0x1_0000, StoredBase = 0 };
        var image = Arm64Image(blob, relocation: true);

        var table = KallsymsReader.Read(image);

        table.ImageBase.ShouldBe(Arm64Link);
        table.ImageOffsetOf("primary_entry").ShouldBe((ulong)Arm64Entry);
        table.Symbols.Symbols.ShouldBe(blob.Symbols);
    }

    [Test]
    public void Without_the_relocation_addresses_are_Image_offsets()
    {
        var blob = new KallsymsBlob { Symbols = Symbols(Arm64Link), AbsolutePercpu = false, Order64 = true, RelativeBase = Arm64Link + 0x1_0000, StoredBase = 0 };

        var table = KallsymsReader.Read(Arm64Image(blob, relocation: false));

        table.ImageBase.ShouldBe(0UL);
        table.Symbols.AddressOf("primary_entry").ShouldBe((ulong)Arm64Entry);
        table.Symbols.AddressOf("sym_000").ShouldBe((ulong)Arm64Entry + 0x1000);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void An_arm64_Image_linked_in_place_gives_its_link_address(bool absoluteAddresses)
    {
        var blob = new KallsymsBlob { Symbols = Symbols(Arm64Link), AbsolutePercpu = false, RelativeBase = Arm64Link + 0x1_0000, AbsoluteAddresses = absoluteAddresses };

        var table = KallsymsReader.Read(Arm64Image(blob, relocation: false));

        table.Layout!.Value.Order.ShouldBe(KallsymsOrder.AddressesFirst);
        table.Layout!.Value.Addressing.ShouldBe(absoluteAddresses ? KallsymsAddressing.Absolute : KallsymsAddressing.Relative);
        table.ImageBase.ShouldBe(Arm64Link);
        table.Symbols.Symbols.ShouldBe(blob.Symbols);
    }

    [Test]
    public void An_arm64_Image_with_place_relative_offsets_is_checked_against_its_entry_branch()
    {
        // The Image sits at its link address; its tables start 0x40 bytes in.
        var blob = new KallsymsBlob { Symbols = Symbols(Arm64Link), Order64 = true, PlaceRelative = true, BlobAddress = Arm64Link + 0x40 };

        var table = KallsymsReader.Read(Arm64Image(blob, relocation: false));

        table.Layout!.Value.Addressing.ShouldBe(KallsymsAddressing.PlaceRelative);
        table.ImageBase.ShouldBe(0UL);
        table.ImageOffsetOf("primary_entry").ShouldBe((ulong)Arm64Entry);
        table.Symbols.AddressOf("sym_299").ShouldBe((ulong)Arm64Entry + 0x1000 + 299 * 0x10);
    }

    [Test]
    public void A_raw_image_whose_base_is_not_a_kernel_address_has_no_table()
    {
        var blob = new KallsymsBlob { Symbols = Symbols(0x1000), AbsolutePercpu = false, RelativeBase = 0x1000 };

        KallsymsReader.TryRead(blob.Build()).ShouldBeNull();
    }

    /// <summary>
    /// An arm64 Image: the 64-byte header (booting.rst: code1 = <c>b primary_entry</c>, magic "ARM\x64" at
    /// 0x38), the tables, and optionally the R_AARCH64_RELATIVE entry (r_offset, r_info, r_addend) that
    /// writes kallsyms_relative_base.
    /// </summary>
    private static byte[] Arm64Image(KallsymsBlob blob, bool relocation)
    {
        var tables = blob.Build();
        var image = new byte[0x40 + tables.Length + 24];
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(4), 0x1400_0000u | (uint)((Arm64Entry - 4) / 4));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x38), 0x644D_5241);
        tables.CopyTo(image, 0x40);
        if (relocation)
        {
            var rela = image.AsSpan(0x40 + tables.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(rela, Arm64Link + 0x40 + (ulong)blob.BaseOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(rela[8..], 0x403);
            BinaryPrimitives.WriteUInt64LittleEndian(rela[16..], blob.RelativeBase);
        }
        return image;
    }
}
