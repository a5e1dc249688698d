using System.Buffers.Binary;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.ZeroPage;

/// <summary>The zero page: offsets pinned to bootparam.h, the sentinel rule, ext_* fields, e820.</summary>
[TestFixture]
public sealed class ZeroPageBuilderTests
{
    private static SetupHeader ImageHeader(ushort version = 0x020F, ushort xloadflags = 3)
    {
        var image = BzImageWriter.Write(new BzImageSpec { Version = version, XLoadFlags = xloadflags });
        // A real bzImage has 0xFF at 0x1EF (header.S) and setup code right after the header end.
        return BzImageKernel.Parse(image).Header;
    }

    [Test]
    public void Layout_matches_bootparam_h()
    {
        // arch/x86/include/uapi/asm/bootparam.h struct boot_params / zero-page.rst.
        BootParamsLayout.Size.ShouldBe(4096);
        BootParamsLayout.AcpiRsdpAddr.ShouldBe(0x070);
        BootParamsLayout.ExtRamdiskImage.ShouldBe(0x0C0);
        BootParamsLayout.ExtRamdiskSize.ShouldBe(0x0C4);
        BootParamsLayout.ExtCmdLinePtr.ShouldBe(0x0C8);
        BootParamsLayout.E820Entries.ShouldBe(0x1E8);
        BootParamsLayout.Sentinel.ShouldBe(0x1EF);
        BootParamsLayout.Header.ShouldBe(0x1F1);
        BootParamsLayout.E820Table.ShouldBe(0x2D0);
        (BootParamsLayout.E820Table + BootParamsLayout.E820MaxEntries * BootParamsLayout.E820EntrySize).ShouldBe(0xCD0); // then _pad8
        SetupHeader.Size.ShouldBe(123); // 0x26C - 0x1F1 (bootparam.h struct setup_header)
    }

    [Test]
    public void Only_the_header_is_copied_and_the_sentinel_stays_zero()
    {
        var image = BzImageWriter.Write(new BzImageSpec { Version = 0x0206 });
        image[BootParamsLayout.Sentinel].ShouldBe((byte)0xFF, "the image carries header.S's sentinel");
        var header = BzImageKernel.Parse(image).Header;
        var page = ZeroPageBuilder.Build(new ZeroPageSpec { Header = header, HeaderEnd = header.HeaderEnd, CommandLineAddress = 0x2_0000 });
        page[BootParamsLayout.Sentinel].ShouldBe((byte)0);
        // 2.06's header ends at 0x23C: the 2.07+ fields must not be copied even though SetupHeader has them.
        page.AsSpan(header.HeaderEnd, 0x26C - header.HeaderEnd).ToArray().ShouldAllBe(b => b == 0);
        page.AsSpan(0, BootParamsLayout.Header).ToArray().Where((_, i) => i != BootParamsLayout.E820Entries).ShouldAllBe(b => b == 0);
        BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x202)).ShouldBe(SetupHeader.HeaderMagic);
        BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(0x1FE)).ShouldBe((ushort)0xAA55);
    }

    [Test]
    public void Addresses_above_4_gib_use_the_ext_fields()
    {
        var header = ImageHeader();
        var page = ZeroPageBuilder.Build(new ZeroPageSpec
        {
            Header = header, HeaderEnd = header.HeaderEnd,
            CommandLineAddress = 0x1_2345_6000, InitrdAddress = 0x2_0000_1000, InitrdSize = 0x1_0000_0010,
        });
        var read = ZeroPageContents.Read(page);
        read.CommandLineAddress.ShouldBe(0x1_2345_6000UL);
        read.InitrdAddress.ShouldBe(0x2_0000_1000UL);
        read.InitrdSize.ShouldBe(0x1_0000_0010UL);
        BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x0C8)).ShouldBe(1u);
        BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x228)).ShouldBe(0x2345_6000u);
    }

    [Test]
    public void Addresses_above_4_gib_need_xlf_can_be_loaded_above_4g()
    {
        // boot.rst: ext_* fields only mean something with XLF_CAN_BE_LOADED_ABOVE_4G.
        var header = ImageHeader(0x020F, xloadflags: 1);
        Should.Throw<LoaderException>(() => ZeroPageBuilder.Build(new ZeroPageSpec { Header = header, HeaderEnd = header.HeaderEnd, InitrdAddress = 0x1_0000_0000, InitrdSize = 1 }))
            .Code.ShouldBe(LoaderError.UnsupportedEntry);
    }

    [Test]
    public void E820_table_round_trips()
    {
        using var memory = GuestMemory.WithMmioGap(6UL << 30);
        var map = MemoryMapBuilder.ForX86(memory);
        var header = ImageHeader();
        var read = ZeroPageContents.Read(ZeroPageBuilder.Build(new ZeroPageSpec { Header = header, HeaderEnd = header.HeaderEnd, E820 = map }));
        read.E820.ShouldBe(map);
        // Firecracker configure_system: [0, 0x9fc00) RAM, [0x9fc00, 0xe0000) reserved, RAM from 1 MiB, RAM from 4 GiB.
        map.ShouldBe(new[]
        {
            new MemoryMapEntry(0, 0x9_FC00, MemoryType.Ram),
            new MemoryMapEntry(0x9_FC00, 0xE_0000 - 0x9_FC00, MemoryType.Reserved),
            new MemoryMapEntry(0x10_0000, 0xC000_0000 - 0x10_0000, MemoryType.Ram),
            new MemoryMapEntry(0x1_0000_0000, (6UL << 30) - 0xC000_0000, MemoryType.Ram),
        });
    }

    [Test]
    public void More_than_128_entries_is_a_typed_error()
    {
        var header = ImageHeader();
        var map = Enumerable.Range(0, 129).Select(i => new MemoryMapEntry((ulong)i << 20, 0x1000, MemoryType.Ram)).ToArray();
        Should.Throw<LoaderException>(() => ZeroPageBuilder.Build(new ZeroPageSpec { Header = header, HeaderEnd = header.HeaderEnd, E820 = map }))
            .Code.ShouldBe(LoaderError.TooManyMemoryMapEntries);
    }

    [Test]
    public void Setup_data_needs_protocol_209()
    {
        var header = ImageHeader(0x0208);
        Should.Throw<LoaderException>(() => ZeroPageBuilder.Build(new ZeroPageSpec { Header = header, HeaderEnd = header.HeaderEnd, SetupDataAddress = 0x1000 }))
            .Code.ShouldBe(LoaderError.UnsupportedEntry);
    }

    [Test]
    public void Setup_data_chain_links_aligned_nodes()
    {
        var chain = new SetupDataChain()
            .Add(SetupDataType.RngSeed, [1, 2, 3])
            .AddE820([new MemoryMapEntry(0x1_0000_0000, 0x1000, MemoryType.Ram)])
            .Add(SetupDataType.Dtb, new byte[8]);
        var block = chain.Build(0x9000);
        // boot.rst struct setup_data { u64 next; u32 type; u32 len; u8 data[] }: node 0 at 0x9000 (16 + 3 bytes),
        // node 1 at the next 8-byte boundary 0x9018 (16 + 20 bytes), node 2 at 0x9040.
        BinaryPrimitives.ReadUInt64LittleEndian(block).ShouldBe(0x9018UL);
        BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(8)).ShouldBe(9u);
        BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(12)).ShouldBe(3u);
        BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(0x18)).ShouldBe(0x9040UL);
        BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(0x18 + 8)).ShouldBe(1u);
        BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(0x18 + 16)).ShouldBe(0x1_0000_0000UL);
        BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(0x40)).ShouldBe(0UL);
        block.Length.ShouldBe(0x40 + 16 + 8);
    }
}
