using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Memory;

/// <summary>
/// Guest memory tells which pages nothing ever wrote, through any path (its own writes, host pointers handed out),
/// so a writer of zeros may skip them; pages mapped from a file read as the file and never count, and anything it
/// cannot tell is "not known" (0).
/// </summary>
[TestFixture]
public sealed unsafe class GuestMemoryNeverWrittenTests
{
    private const int Page = 4096;

    [SetUp]
    public void OnlyWhereThereIsAPagemap()
    {
        // /proc/self/pagemap is Linux's; elsewhere every answer is "not known".
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("needs Linux's /proc/self/pagemap");
    }

    [Test]
    public void Fresh_pages_were_never_written()
    {
        using var memory = GuestMemory.Flat(1 << 20);

        memory.NeverWrittenPages(0x1_0000, 64).ShouldBe(ulong.MaxValue);
        memory.NeverWrittenPages(0x2_0000, 3).ShouldBe(0b111UL);
    }

    [Test]
    public void Pages_written_through_the_memory_or_a_host_pointer_are_not_reported()
    {
        using var memory = GuestMemory.Flat(1 << 20);
        memory.Write(0x1_0000 + 3 * Page + 17, [1]);
        memory.Fill(0x1_0000 + 5 * Page, 1, 0);
        *(memory.TryTranslate(0x1_0000 + 9 * Page + 4095, out _)) = 2;

        memory.NeverWrittenPages(0x1_0000, 12).ShouldBe(0b1101_1101_0111UL);
    }

    [Test]
    public void Pages_mapped_from_a_file_are_not_reported_though_never_touched()
    {
        var path = Path.Combine(Path.GetTempPath(), $"never-written-{Guid.NewGuid():n}.bin");
        try
        {
            File.WriteAllBytes(path, Enumerable.Repeat((byte)0x5A, 32 * Page).ToArray());
            using var file = MappedImageFile.Open(path, 32 * Page);
            using var memory = GuestMemory.Flat(1 << 20);
            memory.Load(0x4_0000, file.Memory).ShouldBe((ulong)(32 * Page));

            memory.NeverWrittenPages(0x3_E000, 4).ShouldBe(0b0011UL);
            memory.NeverWrittenPages(0x4_0000 + 31 * Page, 2).ShouldBe(0b10UL);
            memory.ReadU8(0x4_0000 + 7 * Page).ShouldBe((byte)0x5A);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_loaded_file_ending_in_zero_pages_leaves_them_unwritten_and_reading_zero()
    {
        var bytes = new byte[32 * Page];
        new Random(3).NextBytes(bytes.AsSpan(0, 20 * Page + 5));
        WithFile(bytes, file =>
        {
            using var memory = GuestMemory.Flat(1 << 20);

            memory.Load(0x4_0000, file.Memory).ShouldBe((ulong)(32 * Page));

            // Page 20 holds five file bytes; pages 21–31 are zeros in the file and stay the reservation's zeros.
            memory.NeverWrittenPages(0x4_0000 + 20 * Page, 12).ShouldBe(0b1111_1111_1110UL);
            memory.ReadBytes(0x4_0000, bytes.Length).ShouldBe(bytes);
        });
    }

    [Test]
    public void A_loaded_file_ending_in_zero_pages_clears_what_an_earlier_load_left_there()
    {
        var ones = Enumerable.Repeat((byte)0xFF, 32 * Page).ToArray();
        var bytes = new byte[32 * Page];
        new Random(4).NextBytes(bytes.AsSpan(0, 3 * Page));
        using var memory = GuestMemory.Flat(1 << 20);
        memory.Write(0x4_0000 + 30 * Page, ones.AsSpan(0, 2 * Page));
        WithFile(ones, file => memory.Load(0x8_0000, file.Memory));

        WithFile(bytes, file =>
        {
            memory.Load(0x4_0000, file.Memory);
            memory.Load(0x8_0000, file.Memory);
        });

        memory.ReadBytes(0x4_0000, bytes.Length).ShouldBe(bytes);
        memory.ReadBytes(0x8_0000, bytes.Length).ShouldBe(bytes);
    }

    private static void WithFile(byte[] bytes, Action<MappedImageFile> use)
    {
        var path = Path.Combine(Path.GetTempPath(), $"never-written-{Guid.NewGuid():n}.bin");
        try
        {
            File.WriteAllBytes(path, bytes);
            using var file = MappedImageFile.Open(path, bytes.Length);
            use(file);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Unaligned_addresses_and_addresses_outside_ram_are_not_known()
    {
        using var memory = GuestMemory.Flat(1 << 20);

        memory.NeverWrittenPages(0x1_0008, 1).ShouldBe(0UL);
        memory.NeverWrittenPages(1 << 20, 1).ShouldBe(0UL);
        memory.NeverWrittenPages(0x1_0000, 0).ShouldBe(0UL);
        // The answer stops at the end of the region.
        memory.NeverWrittenPages((1 << 20) - 2 * Page, 64).ShouldBe(0b11UL);
    }
}
