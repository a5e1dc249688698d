using System.Runtime.InteropServices;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Memory;

/// <summary>The guest-physical address space: layout, lazy commit, bounds checks, typed access.</summary>
[TestFixture]
public sealed class GuestMemoryTests
{
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct E820Like
    {
        public ulong Address;
        public ulong Size;
        public uint Type;
    }

    [Test]
    public void Mmio_gap_splits_ram_around_three_gib()
    {
        using var memory = GuestMemory.WithMmioGap(8UL << 30);
        memory.Regions.Count.ShouldBe(2);
        memory.Regions[0].ShouldBe(new GuestRegion(0, 0xC000_0000));
        // Firecracker arch/x86_64/layout.rs: RAM resumes at 4 GiB after the 1 GiB MMIO gap.
        memory.Regions[1].ShouldBe(new GuestRegion(0x1_0000_0000, (8UL << 30) - 0xC000_0000));
        memory.IsRam(0xBFFF_FFFF, 1).ShouldBeTrue();
        memory.IsRam(0xC000_0000, 1).ShouldBeFalse();
        memory.IsRam(0xBFFF_FFFF, 2).ShouldBeFalse();
        memory.TotalSize.ShouldBe(8UL << 30);
    }

    [Test, Category("Slow")]
    public void Sixty_four_gib_guest_commits_only_what_is_touched()
    {
        var before = ResidentBytes();
        using var memory = GuestMemory.WithMmioGap(64UL << 30);
        // Touch one page in each of 64 places spread over the whole space.
        for (ulong gib = 0; gib < 64; gib++)
        {
            var address = gib < 3 ? gib << 30 : (gib + 1) << 30;
            memory.WriteU64(address + 0x1000, gib);
        }
        var grown = ResidentBytes() - before;
        // At most one transparent huge page per place touched (guest RAM asks for them, HostPages.Reserve), and room for the runtime.
        grown.ShouldBeLessThan(64 * (long)HostPages.HugePageSize + (32L << 20), $"resident set grew by {grown >> 20} MiB for a 64 GiB guest");
        memory.ReadU64((40UL << 30) + 0x1000).ShouldBe(39UL);
    }

    [TestCase(0xC000_0000UL, 4)]
    [TestCase(0xBFFF_FFFEUL, 4)]
    [TestCase(0x4_4000_0000UL, 1)]
    [TestCase(ulong.MaxValue, 2)]
    public void Access_outside_ram_is_a_typed_error(ulong address, int length)
    {
        using var memory = GuestMemory.WithMmioGap(16UL << 30);
        Should.Throw<LoaderException>(() => memory.Write(address, new byte[length])).Code.ShouldBe(LoaderError.GuestAddressOutOfRange);
        Should.Throw<LoaderException>(() => memory.Read(address, new byte[length])).Code.ShouldBe(LoaderError.GuestAddressOutOfRange);
    }

    [Test]
    public void Overlapping_regions_are_rejected() =>
        Should.Throw<LoaderException>(() => new GuestMemory([new GuestRegion(0, 0x2000), new GuestRegion(0x1000, 0x1000)]))
            .Code.ShouldBe(LoaderError.InvalidMemoryLayout);

    [Test]
    public void Integers_and_structs_round_trip_little_endian()
    {
        using var memory = GuestMemory.Flat(0x10000);
        memory.WriteU32(0x100, 0xDEAD_BEEF);
        memory.ReadBytes(0x100, 4).ShouldBe(new byte[] { 0xEF, 0xBE, 0xAD, 0xDE });
        memory.Write(0x200, new E820Like { Address = 0x10_0000, Size = 0x200_0000, Type = 1 });
        memory.ReadU64(0x200).ShouldBe(0x10_0000UL);
        memory.ReadU32(0x210).ShouldBe(1u);
        memory.Read<E820Like>(0x200).Size.ShouldBe(0x200_0000UL);
    }

    [Test]
    public void Translation_gives_the_contiguous_run_to_the_region_end()
    {
        using var memory = GuestMemory.WithMmioGap(4UL << 30);
        unsafe
        {
            var host = memory.TryTranslate(0xBFFF_F000, out var run);
            ((nint)host).ShouldNotBe(0);
            run.ShouldBe(0x1000UL);
            ((nint)memory.TryTranslate(0xC000_0000, out _)).ShouldBe(0);
            *host = 0x5A;
        }
        memory.ReadU8(0xBFFF_F000).ShouldBe((byte)0x5A);
    }

    [Test]
    public void Copy_from_stream_fills_guest_ram_across_regions()
    {
        using var memory = new GuestMemory([new GuestRegion(0, 0x10_0000)]);
        var bytes = Enumerable.Range(0, 0x3_0001).Select(i => (byte)(i * 31)).ToArray();
        memory.CopyFrom(0x1000, new MemoryStream(bytes), (ulong)bytes.Length);
        memory.ReadBytes(0x1000, bytes.Length).ShouldBe(bytes);
        Should.Throw<LoaderException>(() => memory.CopyFrom(0xF_FF00, new MemoryStream(bytes), (ulong)bytes.Length))
            .Code.ShouldBe(LoaderError.GuestAddressOutOfRange);
    }

    [Test]
    public void C_strings_stop_at_nul_or_limit()
    {
        using var memory = GuestMemory.Flat(0x1000);
        memory.Write(0x10, "console=ttyS0\0junk"u8);
        memory.ReadCString(0x10, 100).ShouldBe("console=ttyS0");
        memory.ReadCString(0x10, 7).ShouldBe("console");
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
