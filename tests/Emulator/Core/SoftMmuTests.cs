using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core;

/// <summary>The physical-access layer both CPUs share: TLB fast paths, write protection of code pages, MMIO fallback, watches.</summary>
[TestFixture]
public unsafe class SoftMmuTests
{
    private const ulong Ram = 0x10_0000;

    /// <summary>A decoded entry of nothing in particular: the layer never looks inside entries.</summary>
    private struct Entry;

    /// <summary>Identity translation, all pages writable; counts what the layer asks of the CPU.</summary>
    private sealed class Counters
    {
        public int Walks;
        public int Invalidations;

        /// <summary>The mapping size the translation reports (<see cref="IAddressTranslator.BlockShift"/>).</summary>
        public int BlockShift = 12;
    }

    private readonly struct Identity(Counters counters) : IAddressTranslator
    {
        public ulong Translate(ulong address, AccessKind kind, out bool writable)
        {
            counters.Walks++;
            writable = true;
            return address;
        }

        public int BlockShift => counters.BlockShift;

        public ulong Wrap(ulong address) => address;

        public ulong Pc => 0x1234;

        public void CodeInvalidated() => counters.Invalidations++;
    }

    private sealed class Mmio : IMmioDevice
    {
        public ulong Read(ulong offset, int size) => 0xAB00 + offset;

        public void Write(ulong offset, int size, ulong value) => Written = (offset, value);

        public (ulong Offset, ulong Value)? Written { get; private set; }
    }

    [Test]
    public void A_miss_fills_the_tlb_and_later_accesses_take_the_fast_path()
    {
        using var memory = new GuestMemory([new GuestRegion(Ram, 0x10000)]);
        var mmu = new SoftMmu(memory, new IoBus(), new CodeCache<Entry>());
        var counters = new Counters();

        SoftMmu.TryStore(mmu.Tlb, Ram + 8, 8, 1).ShouldBeFalse("empty TLB");
        mmu.WriteSlow(new Identity(counters), Ram + 8, 8, 0x1122_3344_5566_7788);
        SoftMmu.TryLoad(mmu.Tlb, Ram + 8, 4, out var low).ShouldBeTrue();
        SoftMmu.TryStore(mmu.Tlb, Ram + 16, 2, 0xBEEF).ShouldBeTrue();

        low.ShouldBe(0x5566_7788UL);
        memory.ReadU16(Ram + 16).ShouldBe((ushort)0xBEEF);
        counters.Walks.ShouldBe(1);
        SoftMmu.TryLoad(mmu.Tlb, Ram + 0xFFE, 4, out _).ShouldBeFalse("an access crossing the page end takes the slow path");
    }

    [Test]
    public void A_page_holding_code_is_write_protected_and_a_write_over_the_code_invalidates_it()
    {
        using var memory = new GuestMemory([new GuestRegion(Ram, 0x10000)]);
        var code = new CodeCache<Entry>();
        var mmu = new SoftMmu(memory, new IoBus(), code);
        var counters = new Counters();
        mmu.ReadSlow(new Identity(counters), Ram + 0x2000, 4);
        SoftMmu.TryStore(mmu.Tlb, Ram + 0x2100, 4, 0).ShouldBeTrue();

        var page = code.Fetch((Ram + 0x2000) >> 12, default, out _);
        page.Add(0x100, 4);
        mmu.WriteProtect((Ram + 0x2000) >> 12);

        SoftMmu.TryLoad(mmu.Tlb, Ram + 0x2100, 4, out _).ShouldBeTrue("reads stay fast");
        SoftMmu.TryStore(mmu.Tlb, Ram + 0x2200, 4, 0).ShouldBeFalse("writes must see the code cache");
        mmu.WriteSlow(new Identity(counters), Ram + 0x2200, 4, 0);
        counters.Invalidations.ShouldBe(0, "beside the code: nothing dropped");
        mmu.WriteSlow(new Identity(counters), Ram + 0x2102, 1, 0x90);
        counters.Invalidations.ShouldBe(1);
        page.Slots[0x100].ShouldBe((ushort)0);
        memory.ReadU8(Ram + 0x2102).ShouldBe((byte)0x90);
    }

    [Test]
    public void Outside_ram_goes_to_the_bus_and_watched_ranges_are_recorded_with_the_pc()
    {
        using var memory = new GuestMemory([new GuestRegion(Ram, 0x10000)]);
        var bus = new IoBus();
        var device = new Mmio();
        bus.RegisterMmio(0x900_0000, 0x1000, device);
        var mmu = new SoftMmu(memory, bus, new CodeCache<Entry>());
        var counters = new Counters();
        mmu.Watch(Ram + 0x40, 8);

        mmu.ReadSlow(new Identity(counters), 0x900_0018, 4).ShouldBe(0xAB18UL);
        mmu.WriteSlow(new Identity(counters), 0x900_0000, 1, 0x41);
        mmu.WriteSlow(new Identity(counters), Ram + 0x44, 4, 7);
        mmu.ReadSlow(new Identity(counters), Ram + 0x40, 8);
        mmu.ReadSlow(new Identity(counters), Ram + 0x48, 8);

        device.Written.ShouldBe((0UL, 0x41UL));
        SoftMmu.TryLoad(mmu.Tlb, Ram + 0x100, 1, out _).ShouldBeFalse("a watched page never enters the TLB");
        mmu.Accesses.ShouldBe([
            new MemoryAccess(true, Ram + 0x44, 4, 7, 0x1234),
            new MemoryAccess(false, Ram + 0x40, 8, 7UL << 32, 0x1234),
        ]);
    }

    /// <summary>
    /// A TLBI by address drops the entry of every page the mapping holding that address translated (a 2 MiB block's
    /// pages, filled one by one), and nothing filled from other mappings (Arm ARM D8.13: a TLB entry covers its whole block).
    /// </summary>
    [Test]
    public void A_flush_by_address_drops_the_pages_of_the_block_holding_it_and_keeps_the_rest()
    {
        const ulong block = 0x20_0000;
        using var memory = new GuestMemory([new GuestRegion(block, 0x40_0000)]);
        var mmu = new SoftMmu(memory, new IoBus(), new CodeCache<Entry>());
        var counters = new Counters { BlockShift = 21 };
        mmu.ReadSlow(new Identity(counters), block + 0x1000, 8); // two pages of one 2 MiB block
        mmu.ReadSlow(new Identity(counters), block + 0x1F_F000, 8);
        counters.BlockShift = 12;
        mmu.ReadSlow(new Identity(counters), block + 0x20_3000, 8); // a 4 KiB page of the next 2 MiB
        mmu.ReadSlow(new Identity(counters), block + 0x20_5000, 8);

        mmu.FlushHolding(block + 0x8_0000); // a page of the block no entry was filled for
        mmu.FlushHolding(block + 0x20_4000); // the 4 KiB page beside one filled

        SoftMmu.TryLoad(mmu.Tlb, block + 0x1000, 8, out _).ShouldBeFalse("the block's entries go");
        SoftMmu.TryLoad(mmu.Tlb, block + 0x1F_F000, 8, out _).ShouldBeFalse();
        SoftMmu.TryLoad(mmu.Tlb, block + 0x20_3000, 8, out _).ShouldBeTrue("a page of another mapping stays");
        SoftMmu.TryLoad(mmu.Tlb, block + 0x20_5000, 8, out _).ShouldBeTrue();
        mmu.FlushHolding(block + 0x20_5000);
        SoftMmu.TryLoad(mmu.Tlb, block + 0x20_5000, 8, out _).ShouldBeFalse("its own page goes");
        SoftMmu.TryLoad(mmu.Tlb, block + 0x20_3000, 8, out _).ShouldBeTrue();
    }
}
