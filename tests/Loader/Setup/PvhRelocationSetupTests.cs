using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Loader.Images.Elf;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>
/// Relocatable PVH: a vmlinux with XEN_ELFNOTE_PHYS32_RELOC entered through PVH goes at an aligned start inside the
/// note's bounds (Xen public/elfnote.h), chosen by address, by seed, or — without either — at its link address
/// when usable.
/// </summary>
[TestFixture]
public sealed class PvhRelocationSetupTests
{
    private const ulong Link = 0x100_0000;
    private const int ImageSize = 0x10_0000;

    // A 1 MiB image linked at 16 MiB, entry +0x40; note: 2 MiB alignment, min 16 MiB, last byte ≤ 256 MiB - 1.
    private static KernelImage Relocatable(uint min = 0x100_0000) => KernelImage.Parse(NoteElf.Build(
        [NoteElf.Segment(NoteElf.Reloc(0x20_0000, min, 0x0FFF_FFFF), NoteElf.Entry((uint)Link + 0x40))], Link, ImageSize));

    private static GuestSetupResult Setup(GuestMemory memory, KernelImage kernel, PvhRelocationRequest? request, byte[]? initrd = null) =>
        GuestSetup.Run(memory, new GuestSetupRequest
        {
            Kernel = kernel,
            Protocol = BootProtocol.Pvh,
            PvhRelocation = request,
            Initrd = initrd is { } bytes ? new ReadOnlyMemory<byte>(bytes) : (ReadOnlyMemory<byte>?)null,
        });

    [Test]
    public void Without_a_request_the_link_address_is_kept()
    {
        using var memory = GuestMemory.Flat(0x2000_0000);
        var result = Setup(memory, Relocatable(), null);
        result.Kernel.Segments.Single().GuestAddress.ShouldBe(Link);
        result.Entry.ShouldBe(Link + 0x40);
    }

    [Test]
    public void An_address_moves_the_image_and_its_entry()
    {
        using var memory = GuestMemory.Flat(0x2000_0000);
        var result = Setup(memory, Relocatable(), new PvhRelocationRequest { Address = 0x520_0000 });
        result.Protocol.ShouldBe(BootProtocol.Pvh);
        result.Kernel.Segments.Single().GuestAddress.ShouldBe(0x520_0000UL);
        result.Entry.ShouldBe(0x520_0040UL);
    }

    [TestCase(0x530_0000UL, LoaderError.UnsupportedEntry, Description = "not 2 MiB aligned")]
    [TestCase(0xE0_0000UL, LoaderError.UnsupportedEntry, Description = "below min")]
    [TestCase(0x1000_0000UL, LoaderError.UnsupportedEntry, Description = "last byte past max")]
    [TestCase(0x0FC0_0000UL, LoaderError.GuestAddressOutOfRange, Description = "allowed by the note, not RAM")]
    public void A_bad_address_is_refused_and_nothing_is_written(ulong address, LoaderError expected)
    {
        using var memory = GuestMemory.Flat(0x0800_0000);
        Should.Throw<LoaderException>(() => Setup(memory, Relocatable(), new PvhRelocationRequest { Address = address })).Code.ShouldBe(expected);
        memory.ReadU32(0x6000).ShouldBe(0u);
    }

    [Test]
    public void A_seed_draws_an_allowed_start_and_the_same_seed_draws_the_same()
    {
        using var memory = GuestMemory.Flat(0x2000_0000);
        var starts = new HashSet<ulong>();
        for (ulong seed = 0; seed < 8; seed++)
        {
            var start = Setup(memory, Relocatable(), new PvhRelocationRequest { Seed = seed }).Kernel.Segments.Single().GuestAddress;
            (start % 0x20_0000).ShouldBe(0UL);
            start.ShouldBeGreaterThanOrEqualTo(Link);
            (start + ImageSize - 1).ShouldBeLessThanOrEqualTo(0x0FFF_FFFFUL);
            Setup(memory, Relocatable(), new PvhRelocationRequest { Seed = seed }).Kernel.Segments.Single().GuestAddress.ShouldBe(start);
            starts.Add(start);
        }
        starts.Count.ShouldBeGreaterThan(1);
    }

    [Test]
    public void A_link_address_outside_ram_moves_to_the_lowest_usable_start()
    {
        // 16 MiB of RAM cannot hold the image at 16 MiB; note 19 (min 2 MiB) lets it go to 2 MiB.
        using var memory = GuestMemory.Flat(0x100_0000);
        var result = Setup(memory, Relocatable(min: 0x20_0000), null);
        result.Kernel.Segments.Single().GuestAddress.ShouldBe(0x20_0000UL);
        result.Entry.ShouldBe(0x20_0040UL);
    }

    [Test]
    public void Drawn_starts_leave_room_for_the_initrd_above_the_kernel()
    {
        // 32 MiB of RAM: the image (1 MiB) plus a 12 MiB initrd must fit above a start ≥ 16 MiB.
        using var memory = GuestMemory.Flat(0x200_0000);
        var initrd = new byte[0xC0_0000];
        for (ulong seed = 0; seed < 6; seed++)
        {
            var result = Setup(memory, Relocatable(), new PvhRelocationRequest { Seed = seed }, initrd);
            result.Initrd!.Value.Address.ShouldBeGreaterThanOrEqualTo(result.Kernel.ClaimedEnd);
        }
    }

    [Test]
    public void Relocation_needs_note_19_and_the_pvh_entry()
    {
        using var memory = GuestMemory.Flat(0x2000_0000);
        var plain = KernelImage.Parse(NoteElf.Build([NoteElf.Entry((uint)Link)], Link));
        Should.Throw<LoaderException>(() => Setup(memory, plain, new PvhRelocationRequest { Seed = 1 })).Code.ShouldBe(LoaderError.UnsupportedEntry);
        Should.Throw<LoaderException>(() => GuestSetup.Run(memory, new GuestSetupRequest
        {
            Kernel = Relocatable(),
            Protocol = BootProtocol.Linux64,
            PvhRelocation = new PvhRelocationRequest { Seed = 1 },
        })).Code.ShouldBe(LoaderError.UnsupportedEntry);
    }
}
