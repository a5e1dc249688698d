using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Pvh;

/// <summary>hvm_start_info and its tables: layout pinned to start_info.h, write → read round trip, errors.</summary>
[TestFixture]
public sealed class StartInfoTests
{
    private static StartInfo Sample(GuestMemory memory) => new()
    {
        CommandLineAddress = 0x2_0000,
        MemmapAddress = 0x7000,
        Memmap = MemoryMapBuilder.ForX86(memory),
        ModlistAddress = 0x6040,
        Modules = [new PvhModule(0x3F00_0000, 0x12_3456)],
    };

    [Test]
    public void Layout_matches_start_info_h()
    {
        // xen/include/public/arch-x86/hvm/start_info.h.
        using var memory = GuestMemory.Flat(1UL << 30);
        var b = Sample(memory).BuildHeader();
        b.Length.ShouldBe(56);
        BinaryPrimitives.ReadUInt32LittleEndian(b).ShouldBe(0x336E_C578u);      // magic @0
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)).ShouldBe(1u);      // version @4
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12)).ShouldBe(1u);     // nr_modules @12
        BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(16)).ShouldBe(0x6040UL); // modlist_paddr @16
        BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(24)).ShouldBe(0x2_0000UL); // cmdline_paddr @24
        BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(40)).ShouldBe(0x7000UL); // memmap_paddr @40
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(48)).ShouldBe(3u);     // memmap_entries @48
        StartInfoLayout.MemmapEntrySize.ShouldBe(24);
        StartInfoLayout.ModlistEntrySize.ShouldBe(32);
    }

    [Test]
    public void Written_start_info_reads_back()
    {
        using var memory = GuestMemory.Flat(1UL << 30);
        var info = Sample(memory);
        info.WriteTo(memory, 0x6000);
        var read = StartInfo.ReadFrom(memory, 0x6000);
        read.Memmap.ShouldBe(info.Memmap);
        read.Modules.ShouldBe(info.Modules);
        read.CommandLineAddress.ShouldBe(0x2_0000UL);
        // hvm_memmap_table_entry type @16 of entry 1 (reserved EBDA).
        memory.ReadU32(0x7000 + 24 + 16).ShouldBe((uint)MemoryType.Reserved);
    }

    [Test]
    public void Empty_memmap_is_memmap_table_missing()
    {
        using var memory = GuestMemory.Flat(1UL << 30);
        // linux-loader configurator/x86_64/pvh.rs: Error::MemmapTableMissing.
        Should.Throw<LoaderException>(() => (Sample(memory) with { Memmap = [] }).WriteTo(memory, 0x6000))
            .Code.ShouldBe(LoaderError.MemmapTableMissing);
        memory.ReadU32(0x6000).ShouldBe(0u);
    }

    [Test]
    public void Tables_outside_ram_are_rejected_before_any_write()
    {
        using var memory = GuestMemory.Flat(1UL << 30);
        Should.Throw<LoaderException>(() => (Sample(memory) with { MemmapAddress = (1UL << 30) - 8 }).WriteTo(memory, 0x6000))
            .Code.ShouldBe(LoaderError.BootStructurePastRamEnd);
        memory.ReadU32(0x6000).ShouldBe(0u);
        Should.Throw<LoaderException>(() => (Sample(memory) with { ModlistAddress = 0x7010 }).WriteTo(memory, 0x6000))
            .Code.ShouldBe(LoaderError.PlacementOverlap);
    }

    [Test]
    public void Tables_crossing_a_hole_are_the_pvh_setup_errors()
    {
        // linux-loader configurator/x86_64/pvh.rs: a range that ends in RAM but cannot be written is
        // MemmapTableSetup / StartInfoSetup / ModulesSetup. RAM [0, 0x10000) and [0x20000, 1 GiB).
        using var memory = new GuestMemory([new GuestRegion(0, 0x1_0000), new GuestRegion(0x2_0000, (1UL << 30) - 0x2_0000)]);
        using var flat = GuestMemory.Flat(1UL << 30);
        var sample = Sample(flat);
        Should.Throw<LoaderException>(() => (sample with { MemmapAddress = 0x1_0000 - 8 }).WriteTo(memory, 0x6000))
            .Code.ShouldBe(LoaderError.MemmapTableSetup);
        Should.Throw<LoaderException>(() => sample.WriteTo(memory, 0x1_0000 - 8)).Code.ShouldBe(LoaderError.StartInfoSetup);
        Should.Throw<LoaderException>(() => (sample with { ModlistAddress = 0x1_8000 }).WriteTo(memory, 0x6000))
            .Code.ShouldBe(LoaderError.ModulesSetup);
        memory.ReadU32(0x6000).ShouldBe(0u);
    }

    [Test]
    public void Reader_rejects_wrong_magic()
    {
        using var memory = GuestMemory.Flat(1UL << 30);
        Sample(memory).WriteTo(memory, 0x6000);
        memory.WriteU32(0x6000, 0x336E_C579);
        Should.Throw<LoaderException>(() => StartInfo.ReadFrom(memory, 0x6000)).Code.ShouldBe(LoaderError.InvalidMagic);
    }
}
